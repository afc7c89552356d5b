package jupyterhub

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// InstallDocs are the files that show the install command; it must be the
// same command in each.
var InstallDocs = []string{"README.md", "docs/classroom.md", "deploy/jupyterhub/config.yaml"}

// installEnv is what the variables of the install command stand for when
// the test renders it: sample values a host would set.
var installEnv = map[string]string{
	"IMAGE":       "registry.example.net/workshop/lab",
	"TAG":         "2026.12.1",
	"DIGEST":      "sha256:" + strings.Repeat("0123456789abcdef", 4),
	"CLASS_HOST":  "go-class.example.net",
	"CLASS_EMAIL": "host@example.net",
	"CLASS_ADMIN": "host-k4p9",
}

var installLine = regexp.MustCompile(`helm upgrade --install \w`)

// installCommands returns each `helm upgrade --install RELEASE ...` command
// in text with its continuation lines (ending in a backslash). In a YAML
// file the command sits in comments: their leading '#' is left out.
func installCommands(text string) []string {
	var cmds []string
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !installLine.MatchString(l) {
			continue
		}
		comment := strings.HasPrefix(strings.TrimSpace(l), "#")
		line := func(j int) string {
			if comment {
				return strings.TrimPrefix(strings.TrimSpace(lines[j]), "#")
			}
			return lines[j]
		}
		cmd := line(i)
		for j := i; strings.HasSuffix(strings.TrimSpace(line(j)), "\\") && j+1 < len(lines); j++ {
			cmd += "\n" + line(j+1)
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}

// shellWords splits a command as a POSIX shell would for the forms an
// install command uses: words, '…' and "…" quoting, $VAR and ${VAR}
// expanded from env (outside single quotes), and backslash-newline
// continuations. A variable env does not define is an error, as is anything
// else (globs, substitutions, pipes), so that a documented command the test
// cannot vouch for fails it.
func shellWords(cmd string, env map[string]string) ([]string, error) {
	cmd = strings.ReplaceAll(cmd, "\\\n", " ")
	var words []string
	var cur strings.Builder
	inWord := false
	expand := func(s string, i int) (int, error) {
		// s[i] == '$'
		rest := s[i+1:]
		var name string
		n := 0
		if strings.HasPrefix(rest, "{") {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return 0, fmt.Errorf("unclosed ${ in %q", s)
			}
			name, n = rest[1:end], end+1
		} else {
			m := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`).FindString(rest)
			name, n = m, len(m)
		}
		if name == "" {
			return 0, fmt.Errorf("a bare $ in %q", s)
		}
		v, ok := env[name]
		if !ok {
			return 0, fmt.Errorf("the command uses $%s, which the test has no value for", name)
		}
		cur.WriteString(v)
		return i + 1 + n, nil
	}
	for i := 0; i < len(cmd); {
		c := cmd[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			i++
		case c == '\'':
			end := strings.IndexByte(cmd[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", cmd)
			}
			cur.WriteString(cmd[i+1 : i+1+end])
			inWord, i = true, i+end+2
		case c == '"':
			inWord = true
			i++
			for {
				if i >= len(cmd) {
					return nil, fmt.Errorf("unclosed \" in %q", cmd)
				}
				if cmd[i] == '"' {
					i++
					break
				}
				if cmd[i] == '$' {
					var err error
					if i, err = expand(cmd, i); err != nil {
						return nil, err
					}
					continue
				}
				if cmd[i] == '\\' || cmd[i] == '`' {
					return nil, fmt.Errorf("escapes and substitutions inside \"…\" are not supported: %q", cmd)
				}
				cur.WriteByte(cmd[i])
				i++
			}
		case c == '$':
			var err error
			if i, err = expand(cmd, i); err != nil {
				return nil, err
			}
			inWord = true
		case strings.IndexByte("*?[]{}|&;<>()`\\#~", c) >= 0:
			return nil, fmt.Errorf("%q: unquoted %q is shell syntax the command must not depend on", cmd, c)
		default:
			cur.WriteByte(c)
			inWord = true
			i++
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// helmArgs turns an install command into the arguments helm template takes
// for the same values: --values (resolved against the repository root),
// --set and --set-string, in order. The release must be ReleaseName and
// the chart jupyterhub from the chart's repository; --version is checked by
// TestChartVersionAgrees. Any other flag is an error.
func helmArgs(words []string, root string) ([]string, error) {
	want := []string{"helm", "upgrade", "--install", ReleaseName, "jupyterhub"}
	if len(words) < len(want) || !slices.Equal(words[:len(want)], want) {
		return nil, fmt.Errorf("want a command starting %q, got %q", strings.Join(want, " "), words)
	}
	var args []string
	for i := len(want); i < len(words); i++ {
		flag := words[i]
		switch flag {
		case "--create-namespace":
			continue
		case "--repo", "--version", "--namespace", "--values", "--set", "--set-string":
		default:
			return nil, fmt.Errorf("flag %q: the render test does not know it", flag)
		}
		if i+1 >= len(words) {
			return nil, fmt.Errorf("flag %s without a value", flag)
		}
		i++
		v := words[i]
		switch flag {
		case "--repo":
			if v != ChartRepo {
				return nil, fmt.Errorf("--repo %s, want %s", v, ChartRepo)
			}
		case "--values":
			args = append(args, flag, filepath.Join(root, v))
		case "--set", "--set-string", "--namespace":
			args = append(args, flag, v)
		}
	}
	return args, nil
}

// installCommand returns the install command the docs show, as helm
// template arguments with installEnv's values, failing the test unless
// every file in InstallDocs shows exactly one and they are the same.
func installCommand(t *testing.T, root string) []string {
	t.Helper()
	var first []string
	for _, f := range InstallDocs {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		cmds := installCommands(string(raw))
		if len(cmds) != 1 {
			t.Fatalf("%s has %d helm upgrade --install commands, want 1", f, len(cmds))
		}
		words, err := shellWords(cmds[0], installEnv)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if first == nil {
			first = words
		} else if !slices.Equal(words, first) {
			t.Fatalf("%s's install command differs from %s's:\n%q\n%q", f, InstallDocs[0], words, first)
		}
	}
	args, err := helmArgs(first, root)
	if err != nil {
		t.Fatalf("the install command: %v", err)
	}
	return args
}

// flagArgs returns the helm arguments of a documented fragment of an
// install command (flags only), as installCommand does.
func flagArgs(t *testing.T, fragment string) []string {
	t.Helper()
	words, err := shellWords(fragment, installEnv)
	if err != nil {
		t.Fatalf("%s: %v", fragment, err)
	}
	args, err := helmArgs(append([]string{"helm", "upgrade", "--install", ReleaseName, "jupyterhub"}, words...), "")
	if err != nil {
		t.Fatalf("%s: %v", fragment, err)
	}
	return args
}

func TestHelmCommandWords(t *testing.T) {
	env := map[string]string{"HOST": "a.example.net", "T": "1.0"}
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{`helm  upgrade \` + "\n" + `  --install x`, []string{"helm", "upgrade", "--install", "x"}, ""},
		{`--set-string "proxy.https.hosts[0]=$HOST"`, []string{"--set-string", "proxy.https.hosts[0]=a.example.net"}, ""},
		{`--set-string tag="${T}@sha"`, []string{"--set-string", "tag=1.0@sha"}, ""},
		{`--set 'a={b,c}'`, []string{"--set", "a={b,c}"}, ""},
		{`--set a=$T`, []string{"--set", "a=1.0"}, ""},
		{`--set "a=$NOPE"`, nil, "$NOPE"},
		{`--set proxy.https.hosts[0]=x`, nil, "unquoted"},
		{`--set "a=$(cat f)"`, nil, "bare $"},
		{`--set "a=b`, nil, "unclosed"},
	}
	for _, tt := range tests {
		got, err := shellWords(tt.in, env)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("shellWords(%q) error %v, want one about %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestHelmArgs(t *testing.T) {
	ok := []string{"helm", "upgrade", "--install", ReleaseName, "jupyterhub", "--repo", ChartRepo, "--version", "1.2.3",
		"--namespace", "w", "--create-namespace", "--values", "c.yaml", "--set", "a=1", "--set-string", "b=2"}
	got, err := helmArgs(ok, "/r")
	want := []string{"--namespace", "w", "--values", filepath.Join("/r", "c.yaml"), "--set", "a=1", "--set-string", "b=2"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("helmArgs = %q, %v; want %q", got, err, want)
	}
	for _, bad := range [][]string{
		{"helm", "install", ReleaseName, "jupyterhub"},
		append(slices.Clone(ok[:5]), "--repo", "https://elsewhere.example/"),
		append(slices.Clone(ok[:5]), "--set-file", "a=f"),
		append(slices.Clone(ok[:5]), "--set"),
	} {
		if _, err := helmArgs(bad, "/r"); err == nil {
			t.Errorf("helmArgs(%q) accepted it", bad)
		}
	}
}

func TestHelmCommandsInComments(t *testing.T) {
	text := "a: 1\n#   helm upgrade --install w jupyterhub \\\n#     --version 1 \\\n#     --values c.yaml\n# next\n"
	got := installCommands(text)
	want := "   helm upgrade --install w jupyterhub \\\n     --version 1 \\\n     --values c.yaml"
	if len(got) != 1 || got[0] != want {
		t.Errorf("installCommands = %q, want [%q]", got, want)
	}
}
