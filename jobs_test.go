package main

import (
	"log/slog"
	"strings"
	"testing"

	"phuan/bot"
	"phuan/handlers"
	"phuan/store"
)

// TestUndeliveredMessagesAreReported: a message to a person's case that
// will not arrive is announced to the moderators; one to the moderators'
// room itself is counted and logged for the operator, without a notice
// about a notice.
func TestUndeliveredMessagesAreReported(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{"PHUAN_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, err := openApp(cfg, slog.New(slog.NewTextHandler(logs, nil)), handlers.Room{Channel: "console", ChatID: "moderators"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()

	a.finished(store.OutboxItem{Channel: "console", ChatID: "u1", Purpose: string(bot.PurposeModerator), Ref: "case:C-0001"}, "unreachable")
	pending, err := a.store.PendingOutbox()
	if err != nil || len(pending) != 1 || pending[0].ChatID != "moderators" || !strings.Contains(string(pending[0].Body), "C-0001") {
		t.Fatalf("notice to the room: %+v %v", pending, err)
	}

	a.finished(store.OutboxItem{Channel: "console", ChatID: "moderators", Group: true, Purpose: string(bot.PurposeModerator),
		Ref: "case:C-0001"}, "unreachable")
	if n := a.metrics.Value("phuan_moderator_room_undelivered_total", "result", "unreachable"); n != 1 {
		t.Errorf("counter %d, want 1", n)
	}
	if !strings.Contains(logs.String(), "moderators' room was not delivered") {
		t.Errorf("no error logged:\n%s", logs.String())
	}
	if pending, _ := a.store.PendingOutbox(); len(pending) != 1 {
		t.Errorf("a notice about the room's own failure: %+v", pending)
	}
}
