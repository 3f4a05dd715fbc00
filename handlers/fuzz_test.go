package handlers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"phuan/bot"
	"phuan/handlers/crisis"
	"phuan/knowledge"
	"phuan/store"
)

// fuzzDialogue is the dialogue with every feature, as openApp wires it,
// on a store of its own.
func fuzzDialogue(f *testing.F) *Dialogue {
	st, err := store.OpenDir(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	cat, err := LoadCatalog()
	if err != nil {
		f.Fatal(err)
	}
	kb, err := knowledge.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	mods := NewModerators(Room{Channel: "console", ChatID: "room"}, []string{"mod"})
	cases := NewCases(CasesConfig{Store: st, Catalog: cat, Moderators: mods, Contacts: kb, Location: time.UTC})
	courses := NewCourses(st)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	cs, err := ParseCourses("c.csv", []byte("id,title_lo,provider,start,seats\nc1,ຕັດຫຍິບ,LKSDI,2026-12-10,1\n"))
	if err != nil {
		f.Fatal(err)
	}
	if err := st.ImportCourses(cs, now); err != nil {
		f.Fatal(err)
	}
	features := []Feature{
		NewCrisisResponse(crisis.New(), cases, nil),
		NewPrivacy(PrivacyConfig{Store: st, Cases: cases, Courses: courses, RetentionDays: 90}),
		cases,
		NewBroadcasts(BroadcastConfig{Store: st, Moderators: mods, Location: time.UTC}),
		courses,
		NewEvents(st),
		NewSubscriptions(st),
		NewAnswers(kb, st),
	}
	return New(Config{Store: st, Catalog: cat, Clock: &fixedClock{now}, Features: features})
}

// FuzzPayload sends arbitrary button payloads and /start deep-link
// payloads through a whole turn, from a new chat, during onboarding, as a
// person who agreed, and as a moderator in the room. No turn may panic,
// and every reply must be addressed.
func FuzzPayload(f *testing.F) {
	for _, s := range []string{"", "menu", "help", "settings", "settings:lang", "settings:profile", "lang:lo", "lang:xx",
		"step:", "step:onboard", "step:onboard.", "step:onboard.consent:yes", "step:onboard.country:TH",
		"step:onboard.province:VT", "step:profile.status:returned", "step:case.what:wages", "step:case.crisis:now",
		"step:bcast.audience:lang:lo", "step:enrol.name:cancel", "kb:topics", "kb:cat:rights", "kb:more:", "kb:more:x",
		"kb:yes:", "kb:no:nope", "case:new", "case:contacts", "courses", "course:c1", "course:enrol:c1",
		"course:cancel:c1", "course:cancel-yes:c1", "course:remind:c1", "events", "event:remind:", "subs", "subs:stop",
		"subs:topic:news", "mod:claim:C-0001", "mod:close:", "bc:cancel:b1", "t:0", "fb_ad_2025", "a-b_C",
		"ລາວ", "\x00", "step:onboard.consent:yes:extra", "::::"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(3))
	}
	d := fuzzDialogue(f)
	var chats atomic.Int64
	f.Fuzz(func(t *testing.T, payload string, mode uint8) {
		chat := fmt.Sprint("f", chats.Add(1))
		n := 0
		turn := func(m bot.Message) {
			n++
			m.ID, m.Channel, m.Time = fmt.Sprint(chat, "-", n), "console", time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
			if m.ChatID == "" {
				m.ChatID, m.UserID, m.ChatType = chat, chat, bot.ChatPrivate
			}
			out, err := d.Handle(context.Background(), m)
			if err != nil {
				return // the engine answers an error with an apology; only a panic fails
			}
			for _, e := range out {
				if e.Channel == "" || e.ChatID == "" {
					t.Fatalf("reply without an address after %+v: %+v", m, e)
				}
			}
		}
		switch mode % 4 {
		case 1: // onboarding
			turn(bot.Message{Text: "/start"})
		case 2: // a person who agreed
			turn(bot.Message{Text: "/start"})
			turn(bot.Message{Payload: "lang:en"})
			turn(bot.Message{Payload: StepPayload(flowOnboard, stepConsent, "yes")})
		case 3: // a moderator in the room
			turn(bot.Message{ChatID: "room", UserID: "mod", ChatType: bot.ChatGroup, Payload: payload})
			turn(bot.Message{ChatID: "room", UserID: "mod", ChatType: bot.ChatGroup, Text: "/" + payload})
			return
		}
		turn(bot.Message{Payload: payload})
		turn(bot.Message{Text: "/start " + payload})
		turn(bot.Message{Text: payload})
	})
}

// FuzzAdminAPI posts arbitrary bodies to every admin endpoint that reads
// one: the answer must be one of the API's documented statuses.
func FuzzAdminAPI(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `null`, `{"title":{"lo":"ກ"},"provider":"x","start":"2026-12-10"}`,
		`{"title":{"lo":"ກ"},"start":"2026-12-18T09:00:00+07:00","end":"2026-12-17"}`,
		`{"texts":{"lo":"ສະບາຍດີ"},"at":"2026-12-18 09:00","audience":{"langs":["lo"],"provinces":["VT"]}}`,
		`{"texts":{"lo":"x"},"cron":"0 9 * * MON"}`, `{"texts":{"lo":"x"},"cron":"* * *"}`,
		"id,title_lo,provider,start\nc1,ກ,x,2026-12-10\n", "- title: {lo: ກ}\n  start: 2026-12-10\n"} {
		f.Add([]byte(s), uint8(0))
	}
	st, err := store.OpenDir(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	const token = "fuzz-admin-token-0123456789"
	api := NewAdminAPI(AdminConfig{Token: token, Store: st, Clock: &fixedClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)},
		Location: store.LaoTime()})
	routes := []struct{ method, path, ctype string }{
		{"POST", "courses", "application/json"}, {"POST", "courses/import", "text/csv"},
		{"POST", "courses/import", "application/yaml"}, {"PUT", "courses/c1", "application/json"},
		{"POST", "events", "application/json"}, {"POST", "events/import", "text/csv"},
		{"PUT", "events/e1", "application/json"}, {"POST", "broadcasts", "application/json"},
		{"POST", "broadcasts/b1/cancel", "application/json"},
	}
	f.Fuzz(func(t *testing.T, body []byte, route uint8) {
		r := routes[int(route)%len(routes)]
		req := httptest.NewRequest(r.method, AdminPrefix+r.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", r.ctype)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusBadRequest, http.StatusNotFound,
			http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("%s %s answered %d: %s", r.method, r.path, w.Code, w.Body)
		}
	})
}
