package browsercheck

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot returns the repository root: go test runs in notebooks/browsercheck.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// copyModule copies the module at root into a new temporary directory so that
// JupyterLab can run a notebook without touching the committed file: notebook
// cells link the module at ${GONB_DIR}/.., which is the copy. Hidden
// directories (.git, .venv, .bin, .jupyter, ...), artifacts/, every other
// notebook and the tests in notebooks/ are left out. It returns the copy's
// notebooks/ directory.
func copyModule(t *testing.T, root, notebook string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil || rel == "." {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || rel == "artifacts" || rel == filepath.Join("notebooks", "browsercheck") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		inNotebooks := strings.HasPrefix(rel, "notebooks"+string(filepath.Separator))
		if !d.Type().IsRegular() || strings.HasSuffix(d.Name(), ".ipynb") || (inNotebooks && strings.HasSuffix(d.Name(), ".go")) {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatalf("copying the module into a temporary directory: %v", err)
	}
	nbDir := filepath.Join(dst, "notebooks")
	if err := os.MkdirAll(nbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(notebook, filepath.Join(nbDir, filepath.Base(notebook))); err != nil {
		t.Fatalf("copying the notebook: %v", err)
	}
	return nbDir
}

// copyFile copies one regular file, keeping its permission bits.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
