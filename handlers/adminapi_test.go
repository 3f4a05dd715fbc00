package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"phuan/store"
)

const testToken = "a-long-admin-token-for-tests-only"

func newAdmin(t *testing.T, token string) (*httptest.Server, *store.Store, *int) {
	t.Helper()
	st, err := store.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	woken := 0
	clock := &fixedClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(NewAdminAPI(AdminConfig{Token: token, Store: st, Clock: clock, Location: store.LaoTime(),
		Wake: func() { woken++ }}))
	t.Cleanup(srv.Close)
	return srv, st, &woken
}

type apiResult struct {
	status int
	body   map[string]any
	raw    string
}

func call(t *testing.T, srv *httptest.Server, method, path, token, body string) apiResult {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	r := apiResult{status: resp.StatusCode, raw: buf.String()}
	json.Unmarshal(buf.Bytes(), &r.body)
	return r
}

const goodCourse = `{"title": {"lo": "ຕັດຫຍິບ", "en": "Tailoring"}, "provider": "Skills Centre", "province": "VT",
  "start": "2026-12-10", "end": "2026-12-20", "deadline": "2026-12-05", "seats": 20,
  "eligibility": ["returned"], "needs_name": true}`

func TestAdminAPIAuth(t *testing.T) {
	srv, _, _ := newAdmin(t, testToken)
	for _, tok := range []string{"", "wrong", testToken + "x", strings.ToUpper(testToken)} {
		if r := call(t, srv, "GET", "/admin/api/courses", tok, ""); r.status != http.StatusUnauthorized || r.body["error"] == nil {
			t.Errorf("token %q: %d %s", tok, r.status, r.raw)
		}
	}
	if r := call(t, srv, "GET", "/admin/api/courses", testToken, ""); r.status != http.StatusOK {
		t.Errorf("right token: %d %s", r.status, r.raw)
	}
	off, _, _ := newAdmin(t, "")
	if r := call(t, off, "GET", "/admin/api/courses", "", ""); r.status != http.StatusNotFound {
		t.Errorf("API without a token set: %d", r.status)
	}
	if r := call(t, off, "GET", "/admin/api/courses", "Bearer ", ""); r.status != http.StatusNotFound {
		t.Errorf("API without a token set, empty bearer: %d", r.status)
	}
}

func TestAdminAPIValidation(t *testing.T) {
	srv, _, _ := newAdmin(t, testToken)
	for _, tc := range []struct {
		body, field string
	}{
		{`{"title": {"en": "No Lao"}, "provider": "x", "start": "2026-12-10"}`, "title.lo"},
		{`{"title": {"lo": "ກ"}, "provider": "x", "start": "10/12/2026"}`, "start"},
		{`{"title": {"lo": "ກ"}, "provider": "x", "start": "2026-12-10", "deadline": "2026-12-11"}`, "deadline"},
		{`{"title": {"lo": "ກ"}, "provider": "x", "start": "2026-12-10", "province": "Paris"}`, "province"},
		{`{"title": {"lo": "ກ"}, "provider": "x", "start": "2026-12-10", "eligibility": ["everyone"]}`, "eligibility[0]"},
		{`{"title": {"lo": "ກ"}, "provider": "x", "start": "2026-12-10", "seats": "ten"}`, "seats"},
		{`{"title": {"lo": "ກ"}, "provider": "x", "start": "2026-12-10", "colour": "red"}`, "colour"},
		{`{"title": {"lo": "ກ", "fr": "x"}, "provider": "x", "start": "2026-12-10"}`, "title.fr"},
		{`{"title": {"lo": "ກ"}, "start": "2026-12-10"}`, "provider"},
		{`{"id": "Bad Id", "title": {"lo": "ກ"}, "provider": "x", "start": "2026-12-10"}`, "id"},
	} {
		r := call(t, srv, "POST", "/admin/api/courses", testToken, tc.body)
		if r.status != http.StatusBadRequest || r.body["field"] != tc.field || r.body["error"] == "" {
			t.Errorf("%s: %d %s, want 400 on %s", tc.body, r.status, r.raw, tc.field)
		}
	}
	if r := call(t, srv, "POST", "/admin/api/courses", testToken, `{"title":`); r.status != http.StatusBadRequest {
		t.Errorf("broken JSON: %d", r.status)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"title": {"lo": "ງານ"}, "start": "2026-12-18 25:00"}`, "start"},
		{`{"title": {"lo": "ງານ"}, "start": "2026-12-18 09:00", "time_zone": "Mars/Olympus"}`, "time_zone"},
		{`{"title": {"lo": "ງານ"}, "start": "2026-12-18 09:00", "end": "2026-12-18 08:00"}`, "end"},
		{`{"title": {"lo": "ງານ"}, "start": "2026-12-18 09:00", "link": "javascript:alert(1)"}`, "link"},
		{`{"title": {"lo": "ງານ"}, "start": "2026-12-18 09:00", "audience": {"countries": ["XX"]}}`, "audience.countries[0]"},
	} {
		r := call(t, srv, "POST", "/admin/api/events", testToken, tc.body)
		if r.status != http.StatusBadRequest || r.body["field"] != tc.field {
			t.Errorf("event %s: %d %s, want 400 on %s", tc.body, r.status, r.raw, tc.field)
		}
	}
	for _, tc := range []struct{ body, field string }{
		{`{"texts": {"th": "x"}}`, "texts.lo"},
		{`{"texts": {"lo": "x"}, "cron": "every day"}`, "cron"},
		{`{"texts": {"lo": "x"}, "at": "2020-01-01 09:00"}`, "at"},
		{`{"texts": {"lo": "x"}, "audience": {"topic": "sports"}}`, "audience.topic"},
		{`{"texts": {"lo": "x"}, "audience": {"channels": ["sms"]}}`, "audience.channels[0]"},
	} {
		r := call(t, srv, "POST", "/admin/api/broadcasts", testToken, tc.body)
		if r.status != http.StatusBadRequest || r.body["field"] != tc.field {
			t.Errorf("broadcast %s: %d %s, want 400 on %s", tc.body, r.status, r.raw, tc.field)
		}
	}
}

func TestAdminAPIBodyLimit(t *testing.T) {
	srv, st, _ := newAdmin(t, testToken)
	big := `{"title": {"lo": "` + strings.Repeat("ກ", MaxAdminBody/3+10) + `"}, "provider": "x", "start": "2026-12-10"}`
	r := call(t, srv, "POST", "/admin/api/courses", testToken, big)
	if r.status != http.StatusRequestEntityTooLarge || r.body["error"] == nil {
		t.Fatalf("%d %s", r.status, r.raw[:min(len(r.raw), 200)])
	}
	if cs, _ := st.Courses(); len(cs) != 0 {
		t.Fatal("a too-large body was stored")
	}
}

func TestAdminAPICoursesEventsAndBroadcasts(t *testing.T) {
	srv, st, woken := newAdmin(t, testToken)
	r := call(t, srv, "POST", "/admin/api/courses", testToken, goodCourse)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	id := r.body["id"].(string)
	r = call(t, srv, "GET", "/admin/api/courses/"+id, testToken, "")
	if r.status != http.StatusOK || r.body["provider"] != "Skills Centre" || r.body["enrolled"] != 0.0 {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	// What GET returns can be sent back with PUT.
	changed := strings.Replace(r.raw, `"seats": 20`, `"seats": 25`, 1)
	if r = call(t, srv, "PUT", "/admin/api/courses/"+id, testToken, changed); r.status != http.StatusOK || r.body["seats"] != 25.0 {
		t.Fatalf("put: %d %s", r.status, r.raw)
	}
	if r = call(t, srv, "GET", "/admin/api/courses/nope", testToken, ""); r.status != http.StatusNotFound {
		t.Fatalf("missing: %d", r.status)
	}
	p := &store.Person{Lang: "lo"}
	st.CreatePerson(p, store.Identity{Channel: "telegram", PlatformID: "1"})
	st.Enrol(id, p.ID, store.EnrolDetails{Name: "=cmd|' /C calc'!A0", ConsentAt: time.Now()}, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	r = call(t, srv, "GET", "/admin/api/courses/"+id+"/enrolments?format=csv", testToken, "")
	if r.status != http.StatusOK || !strings.Contains(r.raw, "course,number,status,name") || !strings.Contains(r.raw, "'=cmd") {
		t.Fatalf("csv: %d %s", r.status, r.raw)
	}
	if r = call(t, srv, "DELETE", "/admin/api/courses/"+id, testToken, ""); r.body["result"] != "cancelled" {
		t.Fatalf("delete with enrolments: %s", r.raw)
	}

	r = call(t, srv, "POST", "/admin/api/events", testToken,
		`{"id": "imd-2026", "title": {"lo": "ວັນແຮງງານເຄື່ອນຍ້າຍສາກົນ"}, "start": "2026-12-18 08:30", "end": "2026-12-18 12:00", "place": "Lao-ITECC"}`)
	if r.status != http.StatusCreated || r.body["start"] != "2026-12-18T08:30:00+07:00" || r.body["time_zone"] != "Asia/Vientiane" {
		t.Fatalf("event: %d %s", r.status, r.raw)
	}
	if r = call(t, srv, "GET", "/admin/api/events", testToken, ""); r.status != http.StatusOK || !strings.Contains(r.raw, "Lao-ITECC") {
		t.Fatalf("events: %d %s", r.status, r.raw)
	}

	r = call(t, srv, "POST", "/admin/api/broadcasts", testToken, `{"texts": {"lo": "ຂ່າວ"}, "audience": {"topic": "news"}, "cron": "0 9 * * 1"}`)
	if r.status != http.StatusCreated || r.body["status"] != "scheduled" || *woken != 1 {
		t.Fatalf("broadcast: %d %s", r.status, r.raw)
	}
	bid := r.body["id"].(string)
	if r = call(t, srv, "POST", "/admin/api/broadcasts/"+bid+"/cancel", testToken, ""); r.body["status"] != "cancelled" {
		t.Fatalf("cancel: %s", r.raw)
	}
	if r = call(t, srv, "GET", "/admin/api/broadcasts", testToken, ""); !strings.Contains(r.raw, bid) {
		t.Fatalf("list: %s", r.raw)
	}
}

func TestAdminAPIImportReportsEveryBadRow(t *testing.T) {
	srv, st, _ := newAdmin(t, testToken)
	csv := "id,title_lo,provider,start\nok1,ກ,x,2026-12-10\nbad,ຂ,x,someday\n,,x,2026-12-10\n"
	req, _ := http.NewRequest("POST", srv.URL+"/admin/api/courses/import", strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Rows []RowError `json:"rows"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(body.Rows) != 2 || body.Rows[0].Line != 3 || body.Rows[1].Line != 4 {
		t.Fatalf("%d %+v", resp.StatusCode, body)
	}
	if cs, _ := st.Courses(); len(cs) != 0 {
		t.Fatal("half an import was stored")
	}
}

func TestParseCoursesCSV(t *testing.T) {
	good := "id,title_lo,title_en,provider,province,start,end,deadline,seats,eligibility,needs_name,needs_phone,format\n" +
		"sew-1,ຕັດຫຍິບ,Tailoring,Skills Centre,VT,2026-12-10,2026-12-20,2026-12-05,20,returned,yes,yes,in_person\n" +
		"\"farm\",\"ກະສິກຳ, ພື້ນຖານ\",Farming,Coop,CH,2027-01-10,,,,,no,,online\n"
	cs, err := ParseCourses("courses.csv", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Seats != 20 || !cs[0].NeedsName || cs[1].Title["lo"] != "ກະສິກຳ, ພື້ນຖານ" || cs[1].Format != store.FormatOnline {
		t.Fatalf("%+v", cs)
	}
	bad := "id,title_lo,provider,start,seats,needs_name\n" +
		"a,ກ,x,2026-12-10,5,yes\n" + // line 2: fine
		"b,,x,2026-12-10,5,yes\n" + // line 3: no Lao title
		"c,ຄ,x,2026-13-40,5,yes\n" + // line 4: bad date
		"d,ງ,x,2026-12-10,many,yes\n" + // line 5: bad seats
		"a,ຈ,x,2026-12-10,5,perhaps\n" + // line 6: bad flag
		"a,ສ,x,2026-12-10,5,no\n" + // line 7: repeated id
		"e,ຊ,x\n" // line 8: too few cells
	_, err = ParseCourses("courses.csv", []byte(bad))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	want := map[int]string{3: "title.lo", 4: "start", 5: "seats", 6: "needs_name", 7: "id", 8: ""}
	if len(ie.Rows) != len(want) {
		t.Fatalf("rows %+v", ie.Rows)
	}
	for _, r := range ie.Rows {
		if f, ok := want[r.Line]; !ok || f != r.Field {
			t.Errorf("line %d field %q (%s)", r.Line, r.Field, r.Problem)
		}
	}
	if !strings.Contains(err.Error(), "line 4: start:") {
		t.Errorf("message %q", err)
	}
	if _, err := ParseCourses("c.csv", []byte("id,colour\nx,red\n")); !errors.As(err, &ie) || ie.Rows[0].Field != "colour" {
		t.Errorf("unknown column: %v", err)
	}
}

func TestParseCoursesYAML(t *testing.T) {
	good := `courses:
  - id: sew-1
    title: {lo: ຕັດຫຍິບ, en: Tailoring}
    provider: Skills Centre
    start: 2026-12-10
    seats: 20
    eligibility: [returned]
  - title:
      lo: ກະສິກຳ
    provider: Coop
    start: "2027-01-10"
`
	cs, err := ParseCourses("courses.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Start != "2026-12-10" || cs[1].Title["lo"] != "ກະສິກຳ" {
		t.Fatalf("%+v", cs)
	}
	bad := `- id: a
  title: {lo: ກ}
  provider: x
  start: 2026-12-10
- id: b
  title: {lo: ຂ}
  provider: x
  start: 2026-12-10
  seats: lots
- id: c
  title: {en: only English}
  provider: x
  start: 2026-12-10
- id: d
  titel: {lo: ງ}
  provider: x
  start: 2026-12-10
- just a string
`
	_, err = ParseCourses("courses.yml", []byte(bad))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	lines := []int{}
	for _, r := range ie.Rows {
		lines = append(lines, r.Line)
	}
	if len(lines) != 4 || lines[0] != 9 || lines[1] != 10 || lines[2] != 15 || lines[3] != 18 {
		t.Fatalf("bad lines %v: %v", lines, err)
	}
	if _, err := ParseCourses("x.yaml", []byte("title: [unclosed")); err == nil {
		t.Fatal("broken YAML accepted")
	}
}

func TestParseEvents(t *testing.T) {
	csv := "id,title_lo,start,end,time_zone,place,countries\n" +
		"fair,ງານວາງສະແດງ,2026-12-18 09:00,2026-12-18 16:00,Asia/Bangkok,Bangkok,TH\n" +
		"day,ວັນ,2026-12-20,,,,\n" +
		"bad,ບໍ່,tomorrow,,,,\n"
	_, err := ParseEvents("events.csv", []byte(csv), store.LaoTime())
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 4 || ie.Rows[0].Field != "start" {
		t.Fatalf("%v", err)
	}
	es, err := ParseEvents("events.csv", []byte(strings.Join(strings.Split(csv, "\n")[:3], "\n")), store.LaoTime())
	if err != nil {
		t.Fatal(err)
	}
	bkk, _ := time.LoadLocation("Asia/Bangkok")
	if !es[0].Start.Equal(time.Date(2026, 12, 18, 9, 0, 0, 0, bkk)) || es[0].Audience.Countries[0] != "TH" || !es[1].AllDay {
		t.Fatalf("%+v", es)
	}
	yml := "events:\n  - title: {lo: ງານ}\n    start: 2026-12-18T09:00:00+07:00\n    audience: {statuses: [returned]}\n"
	if es, err := ParseEvents("e.yaml", []byte(yml), store.LaoTime()); err != nil || es[0].Audience.Statuses[0] != store.StatusReturned {
		t.Fatalf("%+v %v", es, err)
	}
}

func FuzzParseCourses(f *testing.F) {
	f.Add("c.csv", []byte("id,title_lo,provider,start\na,ກ,x,2026-12-10\n"))
	f.Add("c.yaml", []byte("- title: {lo: ກ}\n  provider: x\n  start: 2026-12-10\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ParseCourses(name, data)
		ParseEvents(name, data, store.LaoTime())
	})
}

func TestAdminAPIImportOfAFileThatIsNotAListIsABadRequest(t *testing.T) {
	srv, _, _ := newAdmin(t, testToken)
	for _, path := range []string{"/admin/api/courses/import", "/admin/api/events/import"} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("0"))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/yaml")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s with a YAML scalar answered %d, want 400", path, resp.StatusCode)
		}
	}
}

func TestAdminAPIPutRefusesAnIDThatContradictsTheAddress(t *testing.T) {
	srv, _, _ := newAdmin(t, testToken)
	created := call(t, srv, "POST", "/admin/api/courses", testToken, goodCourse)
	if created.status != 200 && created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	id, _ := created.body["id"].(string)
	body := strings.Replace(goodCourse, "{", `{"id": "another",`, 1)
	r := call(t, srv, "PUT", "/admin/api/courses/"+id, testToken, body)
	if r.status != 400 || r.body["field"] != "id" {
		t.Fatalf("PUT with a contradicting id: %d %s", r.status, r.raw)
	}
}

// TestAdminAPIListsComeInPages: ?limit and ?offset cut a list; the Link
// header leads through every page once; a bad number is a 400 naming it.
func TestAdminAPIListsComeInPages(t *testing.T) {
	srv, _, _ := newAdmin(t, testToken)
	for i := range 5 {
		body := fmt.Sprintf(`{"id": "ev-%d", "title": {"lo": "ງານ %d"}, "start": "2026-12-%02d 08:30", "place": "Vientiane"}`, i, i, 10+i)
		if r := call(t, srv, "POST", "/admin/api/events", testToken, body); r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
	}
	get := func(path string) (*http.Response, []map[string]any) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var items []map[string]any
		json.NewDecoder(resp.Body).Decode(&items)
		return resp, items
	}
	var ids []string
	next, pages := "/admin/api/events?limit=2", 0
	for next != "" {
		resp, items := get(next)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Total-Count") != "5" || len(items) > 2 {
			t.Fatalf("%s: %d, total %q, %d items", next, resp.StatusCode, resp.Header.Get("X-Total-Count"), len(items))
		}
		for _, it := range items {
			ids = append(ids, it["id"].(string))
		}
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
		if pages++; pages > 5 {
			t.Fatal("the links never end")
		}
	}
	if strings.Join(ids, ",") != "ev-0,ev-1,ev-2,ev-3,ev-4" || pages != 3 {
		t.Fatalf("pages %d gave %v", pages, ids)
	}
	if resp, items := get("/admin/api/events?offset=9"); resp.StatusCode != http.StatusOK || items == nil || len(items) != 0 {
		t.Fatalf("past the end: %d %v", resp.StatusCode, items)
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=x", "offset=-1"} {
		r := call(t, srv, "GET", "/admin/api/courses?"+q, testToken, "")
		if r.status != http.StatusBadRequest || r.body["field"] != strings.Split(q, "=")[0] {
			t.Errorf("%s: %d %s", q, r.status, r.raw)
		}
	}
}
