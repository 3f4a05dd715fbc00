package telegram

import (
	"net/url"
	"testing"
	"time"

	"phuan/bot"
)

// TestGroupAdminsAreAskedRarely: a group's admins are listed once per ten
// minutes; plain messages and private chats cost nothing; when Telegram
// cannot be asked the sender counts as a member.
func TestGroupAdminsAreAskedRarely(t *testing.T) {
	f := newFakeAPI(t)
	clock := bot.NewManualClock(testNow)
	c, logs := newTestChannel(t, f, func(cfg *Config) { cfg.Clock = clock })
	mark := func(m bot.Message) bool {
		c.markGroupAdmin(&m)
		return m.FromGroupAdmin
	}
	cmd := bot.Message{ChatType: bot.ChatGroup, ChatID: "-1001700000001", UserID: "700002", Text: "/subscribe"}
	press := bot.Message{ChatType: bot.ChatGroup, ChatID: "-1001700000001", UserID: "700003", Payload: "gsubs:stop"}
	if !mark(cmd) || mark(press) {
		t.Fatal("the admin and the member were not told apart")
	}
	plain := bot.Message{ChatType: bot.ChatGroup, ChatID: "-1001700000001", UserID: "700002", Text: "ສະບາຍດີ"}
	private := bot.Message{ChatType: bot.ChatPrivate, ChatID: "700002", UserID: "700002", Text: "/stop"}
	if mark(plain) || mark(private) {
		t.Fatal("a plain message or a private chat was marked")
	}
	if n := len(f.callsTo("getChatAdministrators")); n != 1 {
		t.Fatalf("%d requests within ten minutes, want 1", n)
	}
	clock.Add(11 * time.Minute)
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		if method == "getChatAdministrators" {
			return 400, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`, true
		}
		return 0, "", false
	})
	if mark(cmd) {
		t.Fatal("an unanswered check made the sender an admin")
	}
	if n := len(f.callsTo("getChatAdministrators")); n != 2 {
		t.Fatalf("%d requests after the list expired, want 2", n)
	}
	assertNoSecrets(t, logs.String())
}
