// Package ipynb reads the workshop's Jupyter notebooks (nbformat 4): their
// cells, the outputs an execution left in them, the figures that measured
// runs attach as JSON, and the exercise each notebook ends with. It also
// says what is wrong with a notebook's outputs: error outputs, crashes,
// failed builds or tests, and text that does not belong in a committed
// notebook (a machine's absolute paths, terminal colour codes).
//
// It knows GoNB's conventions: a code cell runs as a Go program whose main
// body follows the line "%%", declarations carry over between cells, and a
// cell containing "%test" runs the tests it declares.
package ipynb

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Notebook is a parsed notebook. Edits go through its methods, which keep
// the underlying document (every field of the file) in step, so Marshal
// writes a valid notebook.
type Notebook struct {
	// Name is the file's base name without ".ipynb".
	Name  string
	Cells []Cell
	doc   map[string]any
}

// Cell is one cell of a notebook.
type Cell struct {
	Index          int // 0-based position in the notebook
	Type           string
	Source         string
	Tags           []string // metadata.tags
	ExecutionCount *int
	Outputs        []Output
	Hidden         bool // source collapsed in JupyterLab (metadata.jupyter.source_hidden)
}

// Output is one output of a code cell.
type Output struct {
	OutputType string            // stream, display_data, execute_result, error
	Name       string            // stdout or stderr for streams
	Text       string            // stream text
	Data       map[string]string // MIME type -> content (JSON values kept as JSON text)
	EName      string
	EValue     string
	Traceback  []string
}

// Read parses the notebook file at path.
func Read(path string) (*Notebook, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(strings.TrimSuffix(filepath.Base(path), ".ipynb"), raw)
}

// Parse parses an .ipynb document called name.
func Parse(name string, raw []byte) (*Notebook, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s.ipynb is not valid JSON: %w", name, err)
	}
	var typed struct {
		NBFormat int `json:"nbformat"`
		Cells    []struct {
			CellType       string          `json:"cell_type"`
			Source         json.RawMessage `json:"source"`
			ExecutionCount *int            `json:"execution_count"`
			Metadata       struct {
				Tags    []string `json:"tags"`
				Jupyter struct {
					SourceHidden bool `json:"source_hidden"`
				} `json:"jupyter"`
			} `json:"metadata"`
			Outputs []struct {
				OutputType string                     `json:"output_type"`
				Name       string                     `json:"name"`
				Text       json.RawMessage            `json:"text"`
				Data       map[string]json.RawMessage `json:"data"`
				EName      string                     `json:"ename"`
				EValue     string                     `json:"evalue"`
				Traceback  []string                   `json:"traceback"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(raw, &typed); err != nil {
		return nil, fmt.Errorf("%s.ipynb is not a notebook: %w", name, err)
	}
	if typed.NBFormat != 4 {
		return nil, fmt.Errorf("%s.ipynb has nbformat %d, want 4", name, typed.NBFormat)
	}
	nb := &Notebook{Name: name, doc: doc}
	for i, c := range typed.Cells {
		src, err := multiline(c.Source)
		if err != nil {
			return nil, fmt.Errorf("%s.ipynb cell %d source: %w", name, i, err)
		}
		cell := Cell{Index: i, Type: c.CellType, Source: src, Tags: c.Metadata.Tags,
			ExecutionCount: c.ExecutionCount, Hidden: c.Metadata.Jupyter.SourceHidden}
		for _, o := range c.Outputs {
			out := Output{OutputType: o.OutputType, Name: o.Name, EName: o.EName, EValue: o.EValue, Traceback: o.Traceback}
			if out.Text, err = multiline(o.Text); err != nil {
				return nil, fmt.Errorf("%s.ipynb cell %d output text: %w", name, i, err)
			}
			if len(o.Data) > 0 {
				out.Data = map[string]string{}
				for mime, v := range o.Data {
					if out.Data[mime], err = multiline(v); err != nil {
						out.Data[mime] = string(v) // a JSON value that is not text
					}
				}
			}
			cell.Outputs = append(cell.Outputs, out)
		}
		nb.Cells = append(nb.Cells, cell)
	}
	return nb, nil
}

// Marshal returns the notebook as an .ipynb document.
func (nb *Notebook) Marshal() ([]byte, error) {
	out, err := json.MarshalIndent(nb.doc, "", " ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// multiline decodes nbformat's "string or list of strings".
func multiline(v json.RawMessage) (string, error) {
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, nil
	}
	var parts []string
	if err := json.Unmarshal(v, &parts); err != nil {
		return "", errors.New("neither a string nor a list of strings")
	}
	return strings.Join(parts, ""), nil
}

// HasTag reports whether the cell carries the metadata tag.
func (c Cell) HasTag(tag string) bool { return slices.Contains(c.Tags, tag) }

// FirstLine returns the cell's first non-empty source line, to name it.
func (c Cell) FirstLine() string {
	for _, l := range strings.Split(c.Source, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "(empty)"
}

// Where names the cell for messages: notebook, index and first line.
func (nb *Notebook) Where(c Cell) string {
	return fmt.Sprintf("%s.ipynb cell %d (%q)", nb.Name, c.Index, c.FirstLine())
}

// IsTest reports whether the cell is a GoNB %test cell.
func (c Cell) IsTest() bool {
	for _, l := range strings.Split(c.Source, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "%test") {
			return true
		}
	}
	return false
}

// Text returns the cell's stream and text/plain outputs, joined.
func (c Cell) Text() string {
	var b strings.Builder
	for _, o := range c.Outputs {
		switch {
		case o.OutputType == "stream":
			b.WriteString(o.Text)
		case o.Data["text/plain"] != "":
			b.WriteString(o.Data["text/plain"])
			b.WriteString("\n")
		}
	}
	return b.String()
}

// Text returns every stream and text/plain output of the notebook, joined.
func (nb *Notebook) Text() string {
	var b strings.Builder
	for _, c := range nb.Cells {
		b.WriteString(c.Text())
	}
	return b.String()
}

// CellPrinting returns the first cell whose text outputs contain s, or nil.
func (nb *Notebook) CellPrinting(s string) *Cell {
	for i := range nb.Cells {
		if strings.Contains(nb.Cells[i].Text(), s) {
			return &nb.Cells[i]
		}
	}
	return nil
}

// DisplayData returns the contents of every output with the given MIME type,
// in notebook order.
func (nb *Notebook) DisplayData(mime string) []string {
	var all []string
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if d, ok := o.Data[mime]; ok {
				all = append(all, d)
			}
		}
	}
	return all
}

// Imports returns the import paths a code cell declares. GoNB's special
// lines (starting with % or !) are left out before the cell is parsed as Go.
func (c Cell) Imports() ([]string, error) {
	if c.Type != "code" {
		return nil, nil
	}
	var lines []string
	for line := range strings.Lines(c.Source) {
		if strings.HasPrefix(line, "%") || strings.HasPrefix(line, "!") {
			line = "\n" // keeps the line numbers of errors
		}
		lines = append(lines, line)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "cell.go", "package cell\n"+strings.Join(lines, ""), parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var imports []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		imports = append(imports, p)
	}
	return imports, nil
}

// carriageReturn matches what a carriage return overwrites: the start of a
// line up to its last \r that more text follows on the same line.
var carriageReturn = regexp.MustCompile(`[^\n]*\r([^\n])`)

// CoalesceStreams returns the notebook as a browser shows its outputs: the
// consecutive stream outputs of a cell on the same stream merged into one,
// and in each the text a carriage return overwrites dropped (a progress bar
// redrawn in place shows its last state). nb is left as it was.
func (nb *Notebook) CoalesceStreams() (*Notebook, error) {
	raw, err := nb.Marshal()
	if err != nil {
		return nil, err
	}
	out, err := Parse(nb.Name, raw) // a copy to change
	if err != nil {
		return nil, err
	}
	cells, _ := out.doc["cells"].([]any)
	for _, rc := range cells {
		cell, _ := rc.(map[string]any)
		outs, _ := cell["outputs"].([]any)
		if len(outs) == 0 {
			continue
		}
		var merged []any
		for _, ro := range outs {
			o, _ := ro.(map[string]any)
			if o["output_type"] == "stream" && len(merged) > 0 {
				last, _ := merged[len(merged)-1].(map[string]any)
				if last["output_type"] == "stream" && last["name"] == o["name"] {
					last["text"] = streamText(last["text"]) + streamText(o["text"])
					continue
				}
			}
			if o["output_type"] == "stream" {
				o = maps.Clone(o)
				o["text"] = streamText(o["text"])
			}
			merged = append(merged, o)
		}
		for _, ro := range merged {
			if o := ro.(map[string]any); o["output_type"] == "stream" {
				text := carriageReturn.ReplaceAllString(o["text"].(string), "$1")
				o["text"] = strings.SplitAfter(text, "\n")
				if lines := o["text"].([]string); lines[len(lines)-1] == "" {
					o["text"] = lines[:len(lines)-1]
				}
			}
		}
		cell["outputs"] = merged
	}
	if raw, err = out.Marshal(); err != nil {
		return nil, err
	}
	return Parse(nb.Name, raw)
}

// streamText is a stream output's text, given as a string or a list of
// strings.
func streamText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var b strings.Builder
		for _, s := range t {
			str, _ := s.(string)
			b.WriteString(str)
		}
		return b.String()
	case []string:
		return strings.Join(t, "")
	}
	return ""
}
