package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phuan/bot"
)

// fixturesDir holds payloads recorded by others (../shared/fixtures).
const fixturesDir = "../../../shared/fixtures/telegram"

// fixtureWant is what some fixtures must become; empty fields are not checked.
type fixtureWant struct {
	ignored   string
	text      string
	payload   string
	event     bot.Event
	media     bot.MediaKind
	chatID    string
	newChatID string
	answered  bool // a callback query answered
}

var fixtureWants = map[string]fixtureWant{
	"bot_added_to_group_new_chat_members.json":             {ignored: "service_message"},
	"bot_removed_from_group_left_chat_member.json":         {ignored: "service_message"},
	"callback_query_channel_inline_keyboard.json":          {ignored: "callback_channel", answered: true},
	"callback_query_private_inline_keyboard.json":          {payload: "*", chatID: "2", answered: true},
	"chat_join_request.json":                               {ignored: "chat_join_request"},
	"dice_supergroup_ignored.json":                         {ignored: "unsupported_content"},
	"edited_message_live_location.json":                    {ignored: "edited_message"},
	"edited_message_text.json":                             {ignored: "edited_message"},
	"group_migrate_to_chat_id.json":                        {event: bot.EventChatMoved, chatID: "-216055857", newChatID: "-1001113717682"},
	"supergroup_migrate_from_chat_id.json":                 {event: bot.EventChatMoved, chatID: "-216055857", newChatID: "-1001113717682"},
	"group_migrate_to_chat_id_2.json":                      {ignored: "migration_same_chat"},
	"supergroup_migrate_from_chat_id_2.json":               {ignored: "migration_same_chat"},
	"inline_query_ignored.json":                            {ignored: "inline_query"},
	"official_webhooks_inline_query.json":                  {ignored: "inline_query"},
	"message_reaction_ignored.json":                        {ignored: "message_reaction"},
	"poll_answer_ignored.json":                             {ignored: "poll_answer"},
	"my_chat_member_kicked_private.json":                   {event: bot.EventBlocked, chatID: "0"},
	"official_webhooks_audio.json":                         {media: bot.MediaAudio},
	"official_webhooks_document.json":                      {media: bot.MediaDocument},
	"official_webhooks_voice.json":                         {media: bot.MediaVoice},
	"official_webhooks_edited_message.json":                {ignored: "edited_message"},
	"official_webhooks_callback_query_inline_message.json": {ignored: "callback_inline", answered: true},
	"official_webhooks_message_text_start.json":            {text: "/start"},
	"official_webhooks_forwarded_channel_message.json":     {text: "/start"},
	"official_webhooks_message_with_reply.json":            {text: "/start"},
	"official_webhooks_forwarded_message.json":             {text: "/start"},
	"official_webhooks_message_with_entities.json":         {text: "Bold and italics"},
	"private_text_message.json":                            {text: "hello there", chatID: "218485655"},
	"private_start_command_with_entity.json":               {text: "/start"},
	"private_photo_sizes.json":                             {media: bot.MediaPhoto},
	"private_voice.json":                                   {media: bot.MediaVoice},
	"private_document.json":                                {media: bot.MediaDocument},
	"supergroup_command_with_reply.json":                   {text: "/report", chatID: "-1001293752024"},
	"supergroup_text.json":                                 {ignored: "group_message"},
	"supergroup_reply_to_message.json":                     {ignored: "group_message"},
	"supergroup_sticker.json":                              {ignored: "group_message"},
	"supergroup_photo.json":                                {ignored: "group_message"},
	"supergroup_contact.json":                              {ignored: "unsupported_content"},
	"supergroup_location.json":                             {ignored: "unsupported_content"},
	"supergroup_poll_quiz.json":                            {ignored: "unsupported_content"},
	"message_object__forum_topic_created.json":             {ignored: "service_message"},
	"message_object__forum_topic_message.json":             {ignored: "group_message"},
	"message_object__forwarded_anonymous_admin.json":       {ignored: "group_message"},
}

// errorWants are the classes the recorded error answers must get as the
// answer to a send.
var errorWants = map[string]bot.SendErrorKind{
	"error_400_chat_not_found.json":               bot.Permanent,
	"error_400_group_upgraded_to_supergroup.json": bot.ChatMoved,
	"error_403_bot_blocked.json":                  bot.Unreachable,
	"error_409_conflict.json":                     bot.Transient,
}

func readFixtures(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(fixturesDir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no shared fixtures at " + fixturesDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestSharedFixtures maps or ignores every recorded payload cleanly.
func TestSharedFixtures(t *testing.T) {
	for _, name := range readFixtures(t) {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(fixturesDir, name))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasPrefix(name, "error_"):
				checkErrorFixture(t, name, body)
			case strings.HasPrefix(name, "getupdates_"):
				checkGetUpdatesFixture(t, body)
			case strings.HasPrefix(name, "message_object__"):
				wrapped := `{"update_id":1,"message":` + string(body) + `}`
				checkUpdateFixture(t, name, []byte(wrapped))
			default:
				checkUpdateFixture(t, name, body)
			}
		})
	}
}

func checkUpdateFixture(t *testing.T, name string, body []byte) {
	f := newFakeAPI(t)
	c, logs := newTestChannel(t, f, func(cfg *Config) { cfg.WebhookSecret = testSecret })
	rec := newRecorder()
	resp := postUpdate(t, c.WebhookHandler(rec), body)
	if resp.Code != http.StatusOK {
		t.Fatalf("webhook answered %d %s", resp.Code, resp.Body)
	}
	c.Close()
	msgs := rec.messages()
	ignored := ignoredKinds(c)
	if len(msgs)+len(ignored) != 1 {
		t.Fatalf("submitted %d and ignored %v, want exactly one outcome", len(msgs), ignored)
	}
	for _, m := range msgs {
		if m.ID == "" || m.Channel != "telegram" || m.ChatID == "" || m.ChatType == "" {
			t.Errorf("incomplete message %+v", m)
		}
	}
	want, ok := fixtureWants[name]
	if !ok {
		t.Logf("no expectation recorded; outcome: %d messages, ignored %v", len(msgs), ignored)
		return
	}
	if want.ignored != "" {
		if len(ignored) != 1 || ignored[0] != want.ignored {
			t.Errorf("ignored %v, want %q", ignored, want.ignored)
		}
	} else {
		if len(msgs) != 1 {
			t.Fatalf("nothing submitted (ignored %v)", ignored)
		}
		m := msgs[0]
		check := func(field, got, want string) {
			if want != "" && got != want {
				t.Errorf("%s = %q, want %q", field, got, want)
			}
		}
		check("text", m.Text, want.text)
		check("payload", m.Payload, want.payload)
		check("event", string(m.Event), string(want.event))
		check("chat", m.ChatID, want.chatID)
		check("new chat", m.NewChatID, want.newChatID)
		if want.media != "" && (len(m.Media) != 1 || m.Media[0].Kind != want.media || m.Media[0].Ref == "") {
			t.Errorf("media = %+v, want one %s", m.Media, want.media)
		}
	}
	if n := len(f.callsTo("answerCallbackQuery")); want.answered != (n == 1) || n > 1 {
		t.Errorf("answerCallbackQuery sent %d times, want answered=%v", n, want.answered)
	}
	assertNoSecrets(t, logs.String())
}

func ignoredKinds(c *Channel) []string {
	var b strings.Builder
	c.metrics.WriteTo(&b)
	var kinds []string
	for _, line := range strings.Split(b.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, `phuan_updates_ignored_total{channel="telegram",kind="`); ok {
			kind, _, _ := strings.Cut(rest, `"`)
			kinds = append(kinds, kind)
		}
	}
	return kinds
}

func ignoredCount(c *Channel) int64 {
	var b strings.Builder
	c.metrics.WriteTo(&b)
	var n int64
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "phuan_updates_ignored_total{") {
			var v float64
			if _, err := fmt.Sscan(line[strings.LastIndex(line, " ")+1:], &v); err == nil {
				n += int64(v)
			}
		}
	}
	return n
}

// checkGetUpdatesFixture serves a recorded getUpdates answer and polls it:
// every update is submitted or ignored, and all are confirmed.
func checkGetUpdatesFixture(t *testing.T, body []byte) {
	var resp struct {
		OK     bool              `json:"ok"`
		Result []json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || !resp.OK {
		t.Fatalf("not a getUpdates answer: %v", err)
	}
	var last int64
	for _, raw := range resp.Result {
		var head struct {
			UpdateID int64 `json:"update_id"`
		}
		json.Unmarshal(raw, &head)
		last = max(last, head.UpdateID)
	}
	f := newFakeAPI(t)
	f.push(resp.Result...)
	c, logs := newTestChannel(t, f, nil)
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Poll(ctx, rec) }()
	waitFor(t, "every update confirmed", 10*time.Second, f.changed, func() bool { return f.confirmedOffset() == last+1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	calls := rec.calls
	rec.mu.Unlock()
	if got := int64(calls) + ignoredCount(c); got != int64(len(resp.Result)) {
		t.Errorf("submitted %d and ignored %d of %d updates", calls, ignoredCount(c), len(resp.Result))
	}
	t.Logf("%d updates: %d submitted (%d new), ignored %v", len(resp.Result), calls, len(rec.messages()), ignoredKinds(c))
	assertNoSecrets(t, logs.String())
}

// checkErrorFixture serves a recorded error answer to a send and checks
// its class.
func checkErrorFixture(t *testing.T, name string, body []byte) {
	var e struct {
		Code int `json:"error_code"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Code == 0 {
		t.Fatalf("not an error answer: %v", err)
	}
	f := newFakeAPI(t)
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		return e.Code, string(body), method == "sendMessage"
	})
	c, logs := newTestChannel(t, f, nil)
	err := c.Send(context.Background(), bot.Delivery{Seq: 1, ChatID: "-216055857", Reply: bot.Reply{Text: "ສະບາຍດີ"}, Attempt: 1})
	var se *bot.SendError
	if !errors.As(err, &se) {
		t.Fatalf("Send returned %v, want a *bot.SendError", err)
	}
	if want, ok := errorWants[name]; ok && se.Kind != want {
		t.Errorf("classified %s, want %s (%v)", se.Kind, want, err)
	}
	if se.Kind == bot.ChatMoved && se.NewChatID != "-1001557912345" {
		t.Errorf("new chat id %q", se.NewChatID)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error contains the token: %v", err)
	}
	t.Logf("%s → %s: %v", name, se.Kind, err)
	assertNoSecrets(t, logs.String())
}
