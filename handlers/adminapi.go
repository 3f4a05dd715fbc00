package handlers

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"phuan/bot"
	"phuan/store"
)

// AdminStore is what the admin API needs from the store.
type AdminStore interface {
	Courses() ([]store.Course, error)
	Course(id string) (*store.Course, error)
	PutCourse(c *store.Course, now time.Time) error
	DeleteCourse(id string, now time.Time) (bool, error)
	ImportCourses(cs []store.Course, now time.Time) error
	CourseCounts(courseID string) (enrolled, waiting int, err error)
	Enrolments(courseID string) ([]store.Enrolment, error)
	Events() ([]store.Event, error)
	Event(id string) (*store.Event, error)
	PutEvent(e *store.Event, now time.Time) error
	DeleteEvent(id string, now time.Time) (deleted bool, err error)
	ImportEvents(es []store.Event, now time.Time) error
	CreateBroadcast(b *store.Broadcast, now time.Time) error
	Broadcasts() ([]store.Broadcast, error)
	Broadcast(id string) (*store.Broadcast, error)
	CancelBroadcast(id string, now time.Time) (*store.Broadcast, error)
	CountAudience(a store.Audience) (int, error)
}

// AdminConfig configures the admin API.
type AdminConfig struct {
	Token    string // PHUAN_ADMIN_TOKEN; empty turns the API off
	Store    AdminStore
	Clock    bot.Clock
	Location *time.Location // local times without an offset are read in it
	// Notify is where the progress of broadcasts made through the API is
	// posted (the moderators' room); nil posts nothing.
	Notify     *store.Address
	NotifyLang string
	Wake       func() // asks the broadcaster to look now; may be nil
	Logger     *slog.Logger
}

// MaxAdminBody bounds a request body of the admin API.
const MaxAdminBody = 1 << 20

// AdminPrefix is where the admin API is mounted.
const AdminPrefix = "/admin/api/"

type adminAPI struct {
	cfg   AdminConfig
	log   *slog.Logger
	token [32]byte
	mux   *http.ServeMux
}

// NewAdminAPI returns the admin HTTP API (JSON; every request needs
// "Authorization: Bearer TOKEN"). Routes, under /admin/api/:
//
//	GET, POST            courses            list, create (or import YAML/CSV at courses/import)
//	GET, PUT, DELETE     courses/{id}
//	GET                  courses/{id}/enrolments   (?format=csv for the provider's list)
//	GET, POST            events, and events/import
//	GET, PUT, DELETE     events/{id}
//	GET, POST            broadcasts
//	GET                  broadcasts/{id}
//	POST                 broadcasts/{id}/cancel
//
// Errors are {"error": "...", "field": "..."} with status 400, 401, 404 or 413.
func NewAdminAPI(cfg AdminConfig) http.Handler {
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.Location == nil {
		cfg.Location = store.LaoTime()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &adminAPI{cfg: cfg, log: cfg.Logger.With("component", "admin_api"), token: sha256.Sum256([]byte(cfg.Token)),
		mux: http.NewServeMux()}
	p := AdminPrefix
	st := cfg.Store
	courses := &records[CourseInput, store.Course]{a: a, kind: "course",
		taken:     func(id string) bool { _, err := st.Course(id); return err == nil },
		list:      st.Courses,
		get:       st.Course,
		convert:   CourseInput.Course,
		put:       st.PutCourse,
		remove:    st.DeleteCourse,
		parse:     ParseCourses,
		importAll: st.ImportCourses,
		id:        func(c *store.Course) *string { return &c.ID },
		view: func(c store.Course) (any, error) {
			e, w, err := st.CourseCounts(c.ID)
			return courseView{Course: c, Enrolled: e, Waiting: w}, err
		}}
	courses.route(a.mux, p+"courses")
	a.mux.HandleFunc("GET "+p+"courses/{id}/enrolments", a.enrolments)
	events := &records[EventInput, store.Event]{a: a, kind: "event",
		// A built-in event (imd-YEAR) may be replaced by a stored one.
		taken:     func(id string) bool { e, err := st.Event(id); return err == nil && e.Builtin == "" },
		list:      st.Events,
		get:       st.Event,
		convert:   func(in EventInput) (store.Event, error) { return in.Event(cfg.Location) },
		put:       st.PutEvent,
		remove:    st.DeleteEvent,
		parse:     func(name string, data []byte) ([]store.Event, error) { return ParseEvents(name, data, cfg.Location) },
		importAll: st.ImportEvents,
		id:        func(e *store.Event) *string { return &e.ID },
	}
	events.route(a.mux, p+"events")
	a.mux.HandleFunc("GET "+p+"broadcasts", a.listBroadcasts)
	a.mux.HandleFunc("POST "+p+"broadcasts", a.createBroadcast)
	a.mux.HandleFunc("GET "+p+"broadcasts/{id}", a.getBroadcast)
	a.mux.HandleFunc("POST "+p+"broadcasts/{id}/cancel", a.cancelBroadcast)
	a.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint or method", "")
	})
	return a
}

func (a *adminAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.cfg.Token == "" {
		writeError(w, http.StatusNotFound, "the admin API is off: set PHUAN_ADMIN_TOKEN", "")
		return
	}
	given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sum := sha256.Sum256([]byte(strings.TrimSpace(given)))
	if subtle.ConstantTimeCompare(sum[:], a.token[:]) != 1 || !ok {
		a.log.Warn("admin request refused: bad token", "method", r.Method, "path", r.URL.Path)
		w.Header().Set("WWW-Authenticate", `Bearer realm="phuan"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token", "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxAdminBody)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	a.mux.ServeHTTP(rec, r)
	a.log.Info("admin request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	writeJSON(w, status, apiError{Error: msg, Field: field})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// Lists are answered a page at a time: ?limit=N (default and most
// maxPageSize) and ?offset=N; X-Total-Count tells how many there are, and a
// Link header (rel="next") gives the next page's address while any is left.
const maxPageSize = 200

// pageOf cuts items to the page r asks for, setting the headers, or
// answers 400 and reports false.
func pageOf[T any](w http.ResponseWriter, r *http.Request, items []T) ([]T, bool) {
	q := r.URL.Query()
	number := func(name string, def, least, most int) (int, bool) {
		v := q.Get(name)
		if v == "" {
			return def, true
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < least || n > most {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s must be a whole number from %d to %d", name, least, most), name)
			return 0, false
		}
		return n, true
	}
	limit, ok := number("limit", maxPageSize, 1, maxPageSize)
	if !ok {
		return nil, false
	}
	offset, ok := number("offset", 0, 0, math.MaxInt32)
	if !ok {
		return nil, false
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(len(items)))
	if offset >= len(items) {
		return []T{}, true
	}
	end := min(offset+limit, len(items))
	if end < len(items) {
		next := *r.URL
		v := next.Query()
		v.Set("offset", strconv.Itoa(end))
		v.Set("limit", strconv.Itoa(limit))
		next.RawQuery = v.Encode()
		w.Header().Set("Link", "<"+next.RequestURI()+`>; rel="next"`)
	}
	return items[offset:end], true
}

// fail answers err: a field error or bad body as 400, too large as 413, a
// missing record as 404, anything else as 500 (logged, not shown).
func (a *adminAPI) fail(w http.ResponseWriter, err error) {
	var fe *store.FieldError
	var ie *ImportError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "the request body is larger than 1 MB", "")
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, fe.Problem, fe.Field)
	case errors.As(err, &ie):
		writeJSON(w, http.StatusBadRequest, struct {
			Error string     `json:"error"`
			Rows  []RowError `json:"rows"`
		}{fmt.Sprintf("%d rows have problems; nothing was imported", len(ie.Rows)), ie.Rows})
	case store.IsNotFound(err):
		writeError(w, http.StatusNotFound, "not found", "id")
	default:
		a.log.Error("admin request failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error; see the server log", "")
	}
}

// failImport answers an import whose file could not be read: the file's
// problem, not the server's, so 400 with what is wrong.
func (a *adminAPI) failImport(w http.ResponseWriter, err error) {
	var ie *ImportError
	var tooBig *http.MaxBytesError
	if errors.As(err, &ie) || errors.As(err, &tooBig) {
		a.fail(w, err)
		return
	}
	writeError(w, http.StatusBadRequest, err.Error(), "")
}

// pathID reconciles the id in a PUT address with the one in the body:
// the body may omit it, not contradict it.
func pathID(bodyID *string, pathID string) error {
	if pathID == "" {
		return nil
	}
	if *bodyID != "" && *bodyID != pathID {
		return &store.FieldError{Field: "id", Problem: "differs from the id in the address"}
	}
	*bodyID = pathID
	return nil
}

// decode reads a JSON body strictly into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &tooBig):
			return err
		case errors.As(err, &typeErr):
			return &store.FieldError{Field: typeErr.Field, Problem: "must be a " + typeErr.Type.String()}
		case errors.As(err, &syntaxErr):
			return &store.FieldError{Field: "", Problem: fmt.Sprintf("the body is not valid JSON (at byte %d)", syntaxErr.Offset)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &store.FieldError{Field: field, Problem: "is not a known field"}
		case errors.Is(err, io.EOF):
			return &store.FieldError{Problem: "the body is empty; send a JSON object"}
		}
		return &store.FieldError{Problem: "the body is not valid JSON: " + err.Error()}
	}
	if dec.More() {
		return &store.FieldError{Problem: "the body holds more than one JSON value"}
	}
	return nil
}

// courseView is a course with its enrolment counts.
type courseView struct {
	store.Course
	Enrolled int `json:"enrolled"`
	Waiting  int `json:"waiting"`
}

func (a *adminAPI) enrolments(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := a.cfg.Store.Course(id)
	if err != nil {
		a.fail(w, err)
		return
	}
	ens, err := a.cfg.Store.Enrolments(id)
	if err != nil {
		a.fail(w, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(c.ID)+`-enrolments.csv"`)
		if err := WriteEnrolmentsCSV(w, c, ens, a.cfg.Location); err != nil {
			a.log.Error("write enrolment list", "err", err)
		}
		return
	}
	out := make([]store.Enrolment, 0, len(ens))
	for _, e := range ens {
		if e.Status != store.Cancelled {
			out = append(out, e)
		}
	}
	if out, ok := pageOf(w, r, out); ok {
		writeJSON(w, http.StatusOK, out)
	}
}

// WriteEnrolmentsCSV writes a course's enrolment list for its provider:
// the people enrolled, then the waiting list in order.
func WriteEnrolmentsCSV(w io.Writer, c *store.Course, ens []store.Enrolment, loc *time.Location) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"course", "number", "status", "name", "phone", "enrolled_at", "found_work"})
	n := 0
	for _, status := range []store.EnrolmentStatus{store.Enrolled, store.Waiting} {
		for _, e := range ens {
			if e.Status != status {
				continue
			}
			n++
			cw.Write([]string{c.ID, strconv.Itoa(n), string(e.Status), csvSafe(e.Name), csvSafe(e.Phone),
				e.CreatedAt.In(loc).Format("2006-01-02 15:04"), e.FoundWork})
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a typed value as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !phoneChars.MatchString(s) {
		return "'" + s
	}
	return s
}

// importName guesses an import body's format from its content type.
func importName(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.Contains(ct, "csv"):
		return "body.csv"
	case strings.Contains(ct, "yaml"):
		return "body.yaml"
	}
	return "body"
}

func (a *adminAPI) listBroadcasts(w http.ResponseWriter, r *http.Request) {
	bs, err := a.cfg.Store.Broadcasts()
	if err != nil {
		a.fail(w, err)
		return
	}
	if bs, ok := pageOf(w, r, bs); ok {
		writeJSON(w, http.StatusOK, bs)
	}
}

func (a *adminAPI) getBroadcast(w http.ResponseWriter, r *http.Request) {
	b, err := a.cfg.Store.Broadcast(r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// BroadcastInput is a broadcast as the admin API takes it.
type BroadcastInput struct {
	Texts    map[string]string `json:"texts"`
	Audience struct {
		Langs     []string `json:"langs"`
		Countries []string `json:"countries"`
		Statuses  []string `json:"statuses"`
		Provinces []string `json:"provinces"`
		Channels  []string `json:"channels"`
		Topic     string   `json:"topic"`
	} `json:"audience"`
	At   string `json:"at"`   // RFC 3339, or 2006-01-02 15:04 in the server's zone; empty: now
	Cron string `json:"cron"` // recurring
}

func (a *adminAPI) createBroadcast(w http.ResponseWriter, r *http.Request) {
	var in BroadcastInput
	if err := decode(r, &in); err != nil {
		a.fail(w, err)
		return
	}
	now := a.cfg.Clock.Now()
	b, err := in.broadcast(now, a.cfg.Location)
	if err != nil {
		a.fail(w, err)
		return
	}
	b.Notify, b.NotifyLang, b.CreatedBy = a.cfg.Notify, a.cfg.NotifyLang, "admin_api"
	if err := a.cfg.Store.CreateBroadcast(b, now); err != nil {
		a.fail(w, err)
		return
	}
	n, err := a.cfg.Store.CountAudience(b.Audience)
	if err != nil {
		a.fail(w, err)
		return
	}
	if a.cfg.Wake != nil {
		a.cfg.Wake()
	}
	writeJSON(w, http.StatusCreated, struct {
		*store.Broadcast
		Audience int `json:"audience_count"`
	}{b, n})
}

func (in BroadcastInput) broadcast(now time.Time, loc *time.Location) (*store.Broadcast, error) {
	texts, err := checkTexts("texts", in.Texts, maxBroadcastText, true)
	if err != nil {
		return nil, err
	}
	b := &store.Broadcast{Texts: texts}
	au := in.Audience
	if err := checkList("audience.langs", au.Langs, Languages); err != nil {
		return nil, err
	}
	if err := checkList("audience.countries", au.Countries, Countries); err != nil {
		return nil, err
	}
	if err := checkList("audience.statuses", au.Statuses, statusNames); err != nil {
		return nil, err
	}
	if err := checkList("audience.provinces", au.Provinces, Provinces); err != nil {
		return nil, err
	}
	if err := checkList("audience.channels", au.Channels, BroadcastChannels); err != nil {
		return nil, err
	}
	if au.Topic != "" && !slices.Contains(store.Topics, store.Topic(au.Topic)) {
		return nil, &store.FieldError{Field: "audience.topic", Problem: "must be one of courses, events, news (or empty for everyone)"}
	}
	b.Audience = store.Audience{Langs: au.Langs, Countries: au.Countries, Provinces: au.Provinces,
		Channels: au.Channels, Topic: store.Topic(au.Topic)}
	for _, s := range au.Statuses {
		b.Audience.Statuses = append(b.Audience.Statuses, store.Status(s))
	}
	if in.At != "" && in.Cron != "" {
		return nil, &store.FieldError{Field: "cron", Problem: "give either at or cron, not both"}
	}
	if in.At != "" {
		at, err := parseLocalTime(in.At, loc)
		if err != nil {
			return nil, &store.FieldError{Field: "at", Problem: "must be a time such as 2026-12-18T09:00:00+07:00 or 2026-12-18 09:00"}
		}
		if !at.After(now) {
			return nil, &store.FieldError{Field: "at", Problem: "is in the past"}
		}
		b.At = at
	}
	if in.Cron != "" {
		next, err := store.NextRecurrence(in.Cron, now, loc)
		if err != nil {
			return nil, &store.FieldError{Field: "cron", Problem: "is not a cron expression (minute hour day month weekday, such as 0 9 * * 1)"}
		}
		b.Cron, b.NextAt = in.Cron, next
	}
	return b, nil
}

func (a *adminAPI) cancelBroadcast(w http.ResponseWriter, r *http.Request) {
	b, err := a.cfg.Store.CancelBroadcast(r.PathValue("id"), a.cfg.Clock.Now())
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

var statusNames = []string{string(store.StatusAbroad), string(store.StatusPlanning), string(store.StatusReturned)}

// CourseInput is a course as people write it: in the admin API's JSON and
// in YAML or CSV imports.
type CourseInput struct {
	ID          string            `json:"id" yaml:"id"`
	Title       map[string]string `json:"title" yaml:"title"`
	Description map[string]string `json:"description" yaml:"description"`
	Provider    string            `json:"provider" yaml:"provider"`
	Province    string            `json:"province" yaml:"province"`
	Place       string            `json:"place" yaml:"place"`
	Format      string            `json:"format" yaml:"format"`
	Start       string            `json:"start" yaml:"start"`
	End         string            `json:"end" yaml:"end"`
	Deadline    string            `json:"deadline" yaml:"deadline"`
	Seats       int               `json:"seats" yaml:"seats"`
	Eligibility []string          `json:"eligibility" yaml:"eligibility"`
	Contact     string            `json:"contact" yaml:"contact"`
	NeedsName   bool              `json:"needs_name" yaml:"needs_name"`
	NeedsPhone  bool              `json:"needs_phone" yaml:"needs_phone"`
	Cancelled   bool              `json:"cancelled" yaml:"cancelled"`
	// Read-only fields the API returns; ignored when sent back.
	Enrolled  int       `json:"enrolled" yaml:"-"`
	Waiting   int       `json:"waiting" yaml:"-"`
	CreatedAt time.Time `json:"created_at" yaml:"-"`
	UpdatedAt time.Time `json:"updated_at" yaml:"-"`
}

// Course checks the input and returns the course it describes.
func (in CourseInput) Course() (store.Course, error) {
	c := store.Course{ID: strings.TrimSpace(in.ID), Provider: strings.TrimSpace(in.Provider),
		Province: strings.TrimSpace(in.Province), Place: strings.TrimSpace(in.Place),
		Contact: strings.TrimSpace(in.Contact), Seats: in.Seats, NeedsName: in.NeedsName,
		NeedsPhone: in.NeedsPhone, Cancelled: in.Cancelled}
	if c.ID != "" && !store.ValidID(c.ID) {
		return c, &store.FieldError{Field: "id", Problem: "use 1 to 32 of a-z 0-9 _ - (or leave it out for a new id)"}
	}
	var err error
	if c.Title, err = checkTexts("title", in.Title, 200, true); err != nil {
		return c, err
	}
	if c.Description, err = checkTexts("description", in.Description, 2000, false); err != nil {
		return c, err
	}
	if c.Provider == "" || utf8.RuneCountInString(c.Provider) > 200 {
		return c, &store.FieldError{Field: "provider", Problem: "is required (at most 200 characters)"}
	}
	if c.Province != "" && !slices.Contains(Provinces, c.Province) {
		return c, &store.FieldError{Field: "province", Problem: "must be a province code such as VT, LP, CH (or empty)"}
	}
	if utf8.RuneCountInString(c.Place) > 300 {
		return c, &store.FieldError{Field: "place", Problem: "is longer than 300 characters"}
	}
	if utf8.RuneCountInString(c.Contact) > 300 {
		return c, &store.FieldError{Field: "contact", Problem: "is longer than 300 characters"}
	}
	switch f := store.CourseFormat(strings.TrimSpace(in.Format)); f {
	case "":
		c.Format = store.FormatInPerson
	case store.FormatInPerson, store.FormatOnline, store.FormatMixed:
		c.Format = f
	default:
		return c, &store.FieldError{Field: "format", Problem: "must be in_person, online or mixed"}
	}
	if in.Start == "" {
		return c, &store.FieldError{Field: "start", Problem: "is required, written as YYYY-MM-DD"}
	}
	for _, d := range []struct {
		field string
		in    string
		out   *store.Date
	}{{"start", in.Start, &c.Start}, {"end", in.End, &c.End}, {"deadline", in.Deadline, &c.Deadline}} {
		if strings.TrimSpace(d.in) == "" {
			continue
		}
		if *d.out, err = store.ParseDate(strings.TrimSpace(d.in)); err != nil {
			return c, &store.FieldError{Field: d.field, Problem: err.Error()}
		}
	}
	if !c.End.IsZero() && c.End < c.Start {
		return c, &store.FieldError{Field: "end", Problem: "is before start"}
	}
	if !c.Deadline.IsZero() && c.Deadline > c.Start {
		return c, &store.FieldError{Field: "deadline", Problem: "is after start"}
	}
	if c.Seats < 0 || c.Seats > 100000 {
		return c, &store.FieldError{Field: "seats", Problem: "must be between 0 (no limit) and 100000"}
	}
	if err := checkList("eligibility", in.Eligibility, statusNames); err != nil {
		return c, err
	}
	for _, s := range in.Eligibility {
		c.Eligibility = append(c.Eligibility, store.Status(s))
	}
	return c, nil
}

// EventInput is an event as people write it: in the admin API's JSON and
// in YAML or CSV imports.
type EventInput struct {
	ID          string            `json:"id" yaml:"id"`
	Title       map[string]string `json:"title" yaml:"title"`
	Description map[string]string `json:"description" yaml:"description"`
	// Start and End: RFC 3339 (2026-12-18T09:00:00+07:00), or
	// 2026-12-18 09:00 in TimeZone, or 2026-12-18 for a whole day.
	Start     string        `json:"start" yaml:"start"`
	End       string        `json:"end" yaml:"end"`
	TimeZone  string        `json:"time_zone" yaml:"time_zone"`
	AllDay    bool          `json:"all_day" yaml:"all_day"`
	Place     string        `json:"place" yaml:"place"`
	Link      string        `json:"link" yaml:"link"`
	Audience  AudienceInput `json:"audience" yaml:"audience"` // in CSV: columns countries, statuses, provinces
	Cancelled bool          `json:"cancelled" yaml:"cancelled"`
	// Read-only fields the API returns; ignored when sent back.
	Builtin   string    `json:"builtin" yaml:"-"`
	CreatedAt time.Time `json:"created_at" yaml:"-"`
	UpdatedAt time.Time `json:"updated_at" yaml:"-"`
}

// AudienceInput says who an event is for; empty lists mean anyone.
type AudienceInput struct {
	Countries []string `json:"countries" yaml:"countries"`
	Statuses  []string `json:"statuses" yaml:"statuses"`
	Provinces []string `json:"provinces" yaml:"provinces"`
}

// Event checks the input and returns the event it describes; times
// without an offset are read in TimeZone, or in loc when it is empty.
func (in EventInput) Event(loc *time.Location) (store.Event, error) {
	e := store.Event{ID: strings.TrimSpace(in.ID), Place: strings.TrimSpace(in.Place),
		Link: strings.TrimSpace(in.Link), AllDay: in.AllDay, Cancelled: in.Cancelled}
	if e.ID != "" && !store.ValidID(e.ID) {
		return e, &store.FieldError{Field: "id", Problem: "use 1 to 32 of a-z 0-9 _ - (or leave it out for a new id)"}
	}
	var err error
	if e.Title, err = checkTexts("title", in.Title, 200, true); err != nil {
		return e, err
	}
	if e.Description, err = checkTexts("description", in.Description, 2000, false); err != nil {
		return e, err
	}
	if tz := strings.TrimSpace(in.TimeZone); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return e, &store.FieldError{Field: "time_zone", Problem: "must be a time zone name such as Asia/Vientiane"}
		}
		loc = l
	}
	e.TimeZone = loc.String()
	if strings.TrimSpace(in.Start) == "" {
		return e, &store.FieldError{Field: "start", Problem: "is required"}
	}
	var dayOnly bool
	if e.Start, dayOnly, err = parseEventTime(in.Start, loc); err != nil {
		return e, &store.FieldError{Field: "start", Problem: err.Error()}
	}
	if dayOnly {
		e.AllDay = true
	}
	if strings.TrimSpace(in.End) != "" {
		end, endDay, err := parseEventTime(in.End, loc)
		if err != nil {
			return e, &store.FieldError{Field: "end", Problem: err.Error()}
		}
		if endDay {
			end = store.DateOf(end, loc).AddDays(1).At(0, loc)
		}
		if !end.After(e.Start) {
			return e, &store.FieldError{Field: "end", Problem: "is not after start"}
		}
		e.End = end
	}
	if utf8.RuneCountInString(e.Place) > 300 {
		return e, &store.FieldError{Field: "place", Problem: "is longer than 300 characters"}
	}
	if e.Link != "" {
		u, err := url.Parse(e.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(e.Link) > 500 {
			return e, &store.FieldError{Field: "link", Problem: "must be an http(s):// address"}
		}
	}
	au := in.Audience
	if err := checkList("audience.countries", au.Countries, Countries); err != nil {
		return e, err
	}
	if err := checkList("audience.statuses", au.Statuses, statusNames); err != nil {
		return e, err
	}
	if err := checkList("audience.provinces", au.Provinces, Provinces); err != nil {
		return e, err
	}
	e.Audience = store.Audience{Countries: au.Countries, Provinces: au.Provinces}
	for _, s := range au.Statuses {
		e.Audience.Statuses = append(e.Audience.Statuses, store.Status(s))
	}
	return e, nil
}

func parseEventTime(s string, loc *time.Location) (t time.Time, dayOnly bool, err error) {
	s = strings.Join(strings.Fields(s), " ")
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	if t, err := time.ParseInLocation(store.DateLayout, s, loc); err == nil {
		return t, true, nil
	}
	if t, err := parseLocalTime(s, loc); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a time such as 2026-12-18 09:00, 2026-12-18T09:00:00+07:00 or 2026-12-18", s)
}

// checkTexts checks a text per language: known languages only, Lao
// required when required, none longer than max characters.
func checkTexts(field string, in map[string]string, max int, required bool) (store.Texts, error) {
	out := store.Texts{}
	for lang, s := range in {
		if !slices.Contains(Languages, lang) {
			return nil, &store.FieldError{Field: field + "." + lang, Problem: "is not a language Phuan speaks (lo, th, en)"}
		}
		s = strings.TrimSpace(s)
		if !utf8.ValidString(s) {
			return nil, &store.FieldError{Field: field + "." + lang, Problem: "is not valid UTF-8"}
		}
		if utf8.RuneCountInString(s) > max {
			return nil, &store.FieldError{Field: field + "." + lang, Problem: fmt.Sprintf("is longer than %d characters", max)}
		}
		if s != "" {
			out[lang] = s
		}
	}
	if required && out["lo"] == "" {
		return nil, &store.FieldError{Field: field + ".lo", Problem: "the Lao text is required"}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func checkList(field string, values, allowed []string) error {
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			return &store.FieldError{Field: fmt.Sprintf("%s[%d]", field, i),
				Problem: fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))}
		}
	}
	return nil
}

// RowError is a problem with one row of an import file.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Problem string `json:"problem"`
}

// ImportError lists every bad row of an import file.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems; nothing was imported:", len(e.Rows))
	for _, r := range e.Rows {
		if r.Field != "" {
			fmt.Fprintf(&b, "\nline %d: %s: %s", r.Line, r.Field, r.Problem)
		} else {
			fmt.Fprintf(&b, "\nline %d: %s", r.Line, r.Problem)
		}
	}
	return b.String()
}

// Limits of import files.
const (
	MaxImportBytes = 10 << 20
	MaxImportRows  = 10000
)

// ParseCourses reads courses from a YAML or CSV file (by name's extension,
// else by content) and checks every row. All rows' problems are returned
// together as an *ImportError, with line numbers.
func ParseCourses(name string, data []byte) ([]store.Course, error) {
	rows, err := readRows[CourseInput](name, data, "courses", courseColumns)
	if err != nil {
		return nil, err
	}
	return checkRows(rows, CourseInput.Course, func(c *store.Course) string { return c.ID })
}

// ParseEvents reads events from a YAML or CSV file as ParseCourses does;
// times without an offset or time_zone are read in loc.
func ParseEvents(name string, data []byte, loc *time.Location) ([]store.Event, error) {
	rows, err := readRows[EventInput](name, data, "events", eventColumns)
	if err != nil {
		return nil, err
	}
	return checkRows(rows, func(in EventInput) (store.Event, error) { return in.Event(loc) },
		func(e *store.Event) string { return e.ID })
}

// checkRows converts every row, collecting each bad row's problem (and an
// id given twice) with its line number: all of them, or none, are returned.
func checkRows[In, T any](rows []row[In], convert func(In) (T, error), id func(*T) string) ([]T, error) {
	var out []T
	var bad []RowError
	seen := map[string]int{}
	for _, r := range rows {
		if r.err != nil {
			bad = append(bad, *r.err)
			continue
		}
		v, err := convert(r.v)
		if err != nil {
			bad = append(bad, rowError(r.line, err))
			continue
		}
		if key := id(&v); key != "" {
			if first, dup := seen[key]; dup {
				bad = append(bad, RowError{Line: r.line, Field: "id", Problem: fmt.Sprintf("repeats the id of line %d", first)})
				continue
			}
			seen[key] = r.line
		}
		out = append(out, v)
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	return out, nil
}

func rowError(line int, err error) RowError {
	var fe *store.FieldError
	if errors.As(err, &fe) {
		return RowError{Line: line, Field: fe.Field, Problem: fe.Problem}
	}
	return RowError{Line: line, Problem: err.Error()}
}

type row[T any] struct {
	line int
	v    T
	err  *RowError
}

// column fills one field of an input from a CSV cell.
type column[T any] func(in *T, cell string) error

func readRows[T any](name string, data []byte, key string, columns map[string]column[T]) ([]row[T], error) {
	if len(data) > MaxImportBytes {
		return nil, fmt.Errorf("the file is larger than %d MB", MaxImportBytes>>20)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("the file is not UTF-8 text (save it as UTF-8)")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var rows []row[T]
	var err error
	if isYAML(name, data) {
		rows, err = yamlRows[T](data, key)
	} else {
		rows, err = csvRows(data, columns)
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("the file holds no " + key)
	}
	if len(rows) > MaxImportRows {
		return nil, fmt.Errorf("the file holds more than %d %s", MaxImportRows, key)
	}
	return rows, nil
}

var yamlKeyLine = regexp.MustCompile(`^[a-z_]+:(\s|$)`)

func isYAML(name string, data []byte) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	case ".csv":
		return false
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	return strings.HasPrefix(first, "-") || strings.HasPrefix(first, "[") || strings.HasPrefix(first, "{") ||
		strings.HasPrefix(first, "#") || strings.HasPrefix(first, "---") || yamlKeyLine.MatchString(first)
}

// yamlRows reads a YAML list of mappings, either at the top or under key.
func yamlRows[T any](data []byte, key string) ([]row[T], error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the file is not valid YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("the file is empty")
	}
	list := doc.Content[0]
	if list.Kind == yaml.MappingNode {
		var found *yaml.Node
		for i := 0; i+1 < len(list.Content); i += 2 {
			if list.Content[i].Value == key {
				found = list.Content[i+1]
			}
		}
		if found == nil {
			return nil, fmt.Errorf("line %d: expected a list of %s, or a key %q holding one", list.Line, key, key)
		}
		list = found
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: expected a list of %s", list.Line, key)
	}
	known := yamlKeys[T]()
	rows := make([]row[T], 0, len(list.Content))
	for _, item := range list.Content {
		r := row[T]{line: item.Line}
		if item.Kind != yaml.MappingNode {
			r.err = &RowError{Line: item.Line, Problem: "expected a mapping of field: value"}
			rows = append(rows, r)
			continue
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			if k := item.Content[i]; !slices.Contains(known, k.Value) {
				r.err = &RowError{Line: k.Line, Field: k.Value, Problem: "is not a known field"}
				break
			}
		}
		if r.err == nil {
			if err := item.Decode(&r.v); err != nil {
				line, problem := yamlProblem(err, item.Line)
				r.err = &RowError{Line: line, Problem: problem}
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

// yamlProblem makes yaml's decoding error readable and finds its line.
func yamlProblem(err error, line int) (int, string) {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			line = n
		}
		msg = msg[len(m[0]):]
	}
	return line, msg
}

// yamlKeys lists the yaml field names of T.
func yamlKeys[T any]() []string {
	var v T
	var keys []string
	switch any(v).(type) {
	case CourseInput:
		keys = []string{"id", "title", "description", "provider", "province", "place", "format", "start", "end",
			"deadline", "seats", "eligibility", "contact", "needs_name", "needs_phone", "cancelled"}
	case EventInput:
		keys = []string{"id", "title", "description", "start", "end", "time_zone", "all_day", "place", "link",
			"audience", "cancelled"}
	}
	return keys
}

// csvRows reads a CSV file with a header row naming the columns.
func csvRows[T any](data []byte, columns map[string]column[T]) ([]row[T], error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: the header row cannot be read: %w", err)
	}
	fill := make([]column[T], len(header))
	var bad []RowError
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		if fill[i] = columns[h]; fill[i] == nil {
			bad = append(bad, RowError{Line: 1, Field: h, Problem: "is not a known column"})
		}
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	var rows []row[T]
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rows = append(rows, row[T]{line: pe.StartLine, err: &RowError{Line: pe.StartLine, Problem: pe.Err.Error()}})
				continue
			}
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // an empty line
		}
		line, _ := cr.FieldPos(0)
		r := row[T]{line: line}
		if len(rec) != len(header) {
			r.err = &RowError{Line: line, Problem: fmt.Sprintf("has %d cells, the header has %d", len(rec), len(header))}
			rows = append(rows, r)
			continue
		}
		for i, cell := range rec {
			if err := fill[i](&r.v, strings.TrimSpace(cell)); err != nil {
				r.err = &RowError{Line: line, Field: header[i], Problem: err.Error()}
				break
			}
		}
		rows = append(rows, r)
		if len(rows) > MaxImportRows {
			break
		}
	}
	return rows, nil
}

func cellBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "0", "no", "n", "false":
		return false, nil
	case "1", "yes", "y", "true":
		return true, nil
	}
	return false, fmt.Errorf("%q is not yes or no", s)
}

func cellList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == ' ' })
}

func setText(m *map[string]string, lang, s string) {
	if s == "" {
		return
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[lang] = s
}

var courseColumns = func() map[string]column[CourseInput] {
	m := map[string]column[CourseInput]{
		"id":       func(in *CourseInput, s string) error { in.ID = s; return nil },
		"provider": func(in *CourseInput, s string) error { in.Provider = s; return nil },
		"province": func(in *CourseInput, s string) error { in.Province = s; return nil },
		"place":    func(in *CourseInput, s string) error { in.Place = s; return nil },
		"format":   func(in *CourseInput, s string) error { in.Format = s; return nil },
		"start":    func(in *CourseInput, s string) error { in.Start = s; return nil },
		"end":      func(in *CourseInput, s string) error { in.End = s; return nil },
		"deadline": func(in *CourseInput, s string) error { in.Deadline = s; return nil },
		"contact":  func(in *CourseInput, s string) error { in.Contact = s; return nil },
		"seats": func(in *CourseInput, s string) error {
			if s == "" {
				return nil
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("%q is not a whole number", s)
			}
			in.Seats = n
			return nil
		},
		"eligibility": func(in *CourseInput, s string) error { in.Eligibility = cellList(s); return nil },
		"needs_name":  func(in *CourseInput, s string) (err error) { in.NeedsName, err = cellBool(s); return err },
		"needs_phone": func(in *CourseInput, s string) (err error) { in.NeedsPhone, err = cellBool(s); return err },
		"cancelled":   func(in *CourseInput, s string) (err error) { in.Cancelled, err = cellBool(s); return err },
	}
	for _, l := range Languages {
		m["title_"+l] = func(in *CourseInput, s string) error { setText(&in.Title, l, s); return nil }
		m["description_"+l] = func(in *CourseInput, s string) error { setText(&in.Description, l, s); return nil }
	}
	return m
}()

var eventColumns = func() map[string]column[EventInput] {
	m := map[string]column[EventInput]{
		"id":        func(in *EventInput, s string) error { in.ID = s; return nil },
		"start":     func(in *EventInput, s string) error { in.Start = s; return nil },
		"end":       func(in *EventInput, s string) error { in.End = s; return nil },
		"time_zone": func(in *EventInput, s string) error { in.TimeZone = s; return nil },
		"place":     func(in *EventInput, s string) error { in.Place = s; return nil },
		"link":      func(in *EventInput, s string) error { in.Link = s; return nil },
		"all_day":   func(in *EventInput, s string) (err error) { in.AllDay, err = cellBool(s); return err },
		"cancelled": func(in *EventInput, s string) (err error) { in.Cancelled, err = cellBool(s); return err },
		"countries": func(in *EventInput, s string) error { in.Audience.Countries = cellList(s); return nil },
		"statuses":  func(in *EventInput, s string) error { in.Audience.Statuses = cellList(s); return nil },
		"provinces": func(in *EventInput, s string) error { in.Audience.Provinces = cellList(s); return nil },
	}
	for _, l := range Languages {
		m["title_"+l] = func(in *EventInput, s string) error { setText(&in.Title, l, s); return nil }
		m["description_"+l] = func(in *EventInput, s string) error { setText(&in.Description, l, s); return nil }
	}
	return m
}()
