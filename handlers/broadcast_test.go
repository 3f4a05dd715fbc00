package handlers

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

func newBroadcastHarness(t *testing.T) (*harness, *int) {
	h := newHarness(t)
	woken := 0
	mods := NewModerators(Room{Channel: "console", ChatID: "mods"}, []string{"m2"})
	h.d.features = []Feature{NewBroadcasts(BroadcastConfig{Store: h.store, Moderators: mods,
		Location: store.LaoTime(), Wake: func() { woken++ }})}
	return h, &woken
}

// inRoom sends text (or "!payload") to the moderators' room from user.
func (h *harness) inRoom(user, text string) []bot.Envelope {
	h.t.Helper()
	h.n++
	m := bot.Message{ID: "r" + strconv.Itoa(h.n), Channel: "console", ChatID: "mods", UserID: user,
		ChatType: bot.ChatGroup, Time: h.clock.t, LanguageCode: "en"}
	if p, ok := strings.CutPrefix(text, "!"); ok {
		m.Payload = p
	} else {
		m.Text = text
	}
	return h.send(m)
}

func step(value string) string { return "!" + StepPayload(flowBroadcast, stepBcAudience, value) }

func TestBroadcastFlowInTheModeratorsRoom(t *testing.T) {
	h, woken := newBroadcastHarness(t)
	for i := range 4 {
		agreed(t, h, "p"+strconv.Itoa(i), []string{"lo", "th"}[i%2], store.Profile{Country: "TH"})
	}
	// Someone outside the room, not listed, is refused.
	h.as("u9", "/broadcast")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "bc_not_allowed")) {
		t.Fatalf("non-moderator: %s", h.text())
	}
	h.inRoom("m1", "/broadcast@phuanbot")
	if !hasPayload(h.last, StepPayload(flowBroadcast, stepBcAudience, "pick:lang")) {
		t.Fatalf("no audience choice: %v", payloads(h.last))
	}
	h.inRoom("m1", step("pick:country"))
	h.inRoom("m1", step("set:country:TH"))
	h.inRoom("m1", step("back"))
	if !strings.Contains(h.text(), h.d.cat.T("en", "country_TH")) {
		t.Fatalf("country not chosen: %s", h.text())
	}
	h.inRoom("m1", step("pick:topic"))
	h.inRoom("m1", step("set:topic:"))
	h.inRoom("m1", step("next"))
	// Another member talking meanwhile is not taken as the text.
	h.inRoom("m3", "hello everyone")
	h.inRoom("m1", "ສະບາຍດີ ທຸກຄົນ")
	if !hasPayload(h.last, "step:bcast.text:add:th") {
		t.Fatalf("no offer of Thai: %v", payloads(h.last))
	}
	h.inRoom("m1", "!step:bcast.text:add:th")
	h.inRoom("m1", "สวัสดีทุกคน")
	h.inRoom("m1", "!step:bcast.text:preview")
	if !strings.Contains(h.text(), "ສະບາຍດີ ທຸກຄົນ") || !strings.Contains(h.text(), "สวัสดีทุกคน") ||
		!strings.Contains(h.text(), h.d.cat.T("en", "bc_preview_count", "count", "4")) {
		t.Fatalf("preview: %s", h.text())
	}
	h.inRoom("m1", "!step:bcast.preview:at")
	h.inRoom("m1", "2020-01-01 09:00")
	if !strings.Contains(h.text(), "2026-12-18 09:00") {
		t.Fatalf("a time in the past was taken: %s", h.text())
	}
	h.inRoom("m1", "2026-12-18 09:00")
	bs, _ := h.store.Broadcasts()
	if len(bs) != 1 {
		t.Fatalf("broadcasts %+v", bs)
	}
	b := bs[0]
	if b.Texts["lo"] != "ສະບາຍດີ ທຸກຄົນ" || b.Texts["th"] != "สวัสดีทุกคน" || len(b.Audience.Countries) != 1 ||
		!b.At.Equal(time.Date(2026, 12, 18, 9, 0, 0, 0, store.LaoTime())) || b.Notify == nil || b.Notify.ChatID != "mods" {
		t.Fatalf("broadcast %+v", b)
	}
	if *woken != 1 {
		t.Fatalf("broadcaster woken %d times", *woken)
	}
	// A listed moderator may cancel from a private chat.
	h.as("m2", "/broadcast cancel "+b.ID)
	if got, _ := h.store.Broadcast(b.ID); got.Status != store.BroadcastCancelled {
		t.Fatalf("status %s", got.Status)
	}
	h.inRoom("m1", "/broadcasts")
	if !strings.Contains(h.text(), b.ID) {
		t.Fatalf("list: %s", h.text())
	}
}

func TestRecurringBroadcastNeedsAValidCron(t *testing.T) {
	h, _ := newBroadcastHarness(t)
	h.inRoom("m1", "/broadcast")
	h.inRoom("m1", step("next"))
	h.inRoom("m1", "ຂ່າວ")
	h.inRoom("m1", "!step:bcast.text:preview")
	h.inRoom("m1", "!step:bcast.preview:cron")
	h.inRoom("m1", "every monday")
	if !strings.Contains(h.text(), "0 9 * * 1") {
		t.Fatalf("bad cron taken: %s", h.text())
	}
	h.inRoom("m1", "0 9 * * 1")
	bs, _ := h.store.Broadcasts()
	if len(bs) != 1 || bs[0].Cron != "0 9 * * 1" || bs[0].NextAt.Weekday() != time.Monday {
		t.Fatalf("%+v", bs)
	}
	// A stale button after the flow ended is refused, not acted on.
	h.inRoom("m1", "!step:bcast.preview:now")
	if bs, _ := h.store.Broadcasts(); len(bs) != 1 {
		t.Fatal("a stale button made a broadcast")
	}
}
