package handlers

import (
	"io"
	"net/http"
	"time"

	"phuan/store"
)

// records serves one kind of record in the admin API (courses, events):
// list, get, create, replace, delete and import work the same for each;
// what differs is given as functions.
type records[In, T any] struct {
	a    *adminAPI
	kind string // "course", in messages
	// taken reports whether a new record may not take id (one exists).
	taken     func(id string) bool
	list      func() ([]T, error)
	get       func(id string) (*T, error)
	convert   func(In) (T, error)
	put       func(*T, time.Time) error
	remove    func(id string, now time.Time) (deleted bool, err error)
	parse     func(name string, data []byte) ([]T, error)
	importAll func([]T, time.Time) error
	id        func(*T) *string
	// view is what is answered for a record (the record itself when nil).
	view func(T) (any, error)
}

// route registers the record kind's endpoints under path ("courses").
func (rs *records[In, T]) route(mux *http.ServeMux, path string) {
	mux.HandleFunc("GET "+path, rs.listAll)
	mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) { rs.save(w, r, "") })
	mux.HandleFunc("POST "+path+"/import", rs.importFile)
	mux.HandleFunc("GET "+path+"/{id}", rs.getOne)
	mux.HandleFunc("PUT "+path+"/{id}", rs.replace)
	mux.HandleFunc("DELETE "+path+"/{id}", rs.delete)
}

func (rs *records[In, T]) answer(w http.ResponseWriter, status int, v T) {
	if rs.view == nil {
		writeJSON(w, status, v)
		return
	}
	out, err := rs.view(v)
	if err != nil {
		rs.a.fail(w, err)
		return
	}
	writeJSON(w, status, out)
}

func (rs *records[In, T]) listAll(w http.ResponseWriter, r *http.Request) {
	all, err := rs.list()
	if err != nil {
		rs.a.fail(w, err)
		return
	}
	page, ok := pageOf(w, r, all)
	if !ok {
		return
	}
	out := make([]any, 0, len(page))
	for _, v := range page {
		if rs.view == nil {
			out = append(out, v)
			continue
		}
		shown, err := rs.view(v)
		if err != nil {
			rs.a.fail(w, err)
			return
		}
		out = append(out, shown)
	}
	writeJSON(w, http.StatusOK, out)
}

func (rs *records[In, T]) getOne(w http.ResponseWriter, r *http.Request) {
	v, err := rs.get(r.PathValue("id"))
	if err != nil {
		rs.a.fail(w, err)
		return
	}
	rs.answer(w, http.StatusOK, *v)
}

func (rs *records[In, T]) replace(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := rs.get(id); err != nil {
		rs.a.fail(w, err)
		return
	}
	rs.save(w, r, id)
}

// save creates a record (id "") or replaces the one at id.
func (rs *records[In, T]) save(w http.ResponseWriter, r *http.Request, id string) {
	var in In
	if err := decode(r, &in); err != nil {
		rs.a.fail(w, err)
		return
	}
	v, err := rs.convert(in)
	if err != nil {
		rs.a.fail(w, err)
		return
	}
	vid := rs.id(&v)
	if err := pathID(vid, id); err != nil {
		rs.a.fail(w, err)
		return
	}
	if id == "" && *vid != "" && rs.taken(*vid) {
		rs.a.fail(w, &store.FieldError{Field: "id", Problem: "a " + rs.kind + " with this id exists; use PUT to change it"})
		return
	}
	if err := rs.put(&v, rs.a.cfg.Clock.Now()); err != nil {
		rs.a.fail(w, err)
		return
	}
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
	}
	rs.answer(w, status, v)
}

func (rs *records[In, T]) delete(w http.ResponseWriter, r *http.Request) {
	deleted, err := rs.remove(r.PathValue("id"), rs.a.cfg.Clock.Now())
	if err != nil {
		rs.a.fail(w, err)
		return
	}
	result := "cancelled" // people are on it, or waiting to be reminded: they are told
	if deleted {
		result = "deleted"
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "result": result})
}

func (rs *records[In, T]) importFile(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		rs.a.fail(w, err)
		return
	}
	all, err := rs.parse(importName(r), data)
	if err != nil {
		rs.a.failImport(w, err)
		return
	}
	if err := rs.importAll(all, rs.a.cfg.Clock.Now()); err != nil {
		rs.a.fail(w, err)
		return
	}
	ids := make([]string, len(all))
	for i := range all {
		ids[i] = *rs.id(&all[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": len(all), "ids": ids})
}
