package board

import (
	_ "embed"
	"errors"
	"html/template"
	"net/http"
	"slices"
)

//go:embed view.html
var viewHTML string

var viewPage = template.Must(template.New("view").Parse(viewHTML))

// view shows an attendee's workshop notebook as text, read from their
// server: ?name=<attendee>&notebook=<one of Notebooks>, the notebook being
// the one they last ran a cell in when not given. Nothing of the notebook
// runs on the host's page: no script, no HTML, no image (ViewCSP).
func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", ViewCSP)
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet {
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	name, notebook := r.URL.Query().Get("name"), r.URL.Query().Get("notebook")
	var row *Row
	for _, x := range s.State.Snapshot().Rows {
		if x.Name == name {
			row = &x
		}
	}
	if row == nil {
		http.Error(w, "no attendee of this class is called "+clip(name), http.StatusNotFound)
		return
	}
	if notebook == "" {
		notebook = Notebooks[0]
		if slices.Contains(Notebooks, row.Notebook) {
			notebook = row.Notebook
		}
	}
	if !slices.Contains(Notebooks, notebook) {
		http.Error(w, "the board shows the workshop's notebooks only (e.g. "+Notebooks[0]+"), not "+clip(notebook), http.StatusBadRequest)
		return
	}
	raw, err := s.Hub.Notebook(r.Context(), name, notebook)
	var cells []ViewCell
	if err == nil {
		cells, err = ParseNotebook(raw)
	}
	if err != nil {
		s.logf("viewing %s of %s: %v", notebook, name, err)
		status := http.StatusBadGateway
		switch {
		case errors.Is(err, ErrTooLarge):
			status = http.StatusRequestEntityTooLarge
		case errors.Is(err, ErrNoNotebook):
			status = http.StatusNotFound
		}
		http.Error(w, name+"'s "+notebook+": "+err.Error()+"; the board does not show it (go to "+name+" to help)", status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = viewPage.Execute(w, map[string]any{"Name": name, "Notebook": notebook, "Notebooks": Notebooks, "Cells": cells})
}
