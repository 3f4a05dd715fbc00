package console

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"phuan/bot"
)

// replier answers each message by echoing it with buttons, straight through Send.
type replier struct {
	c    *Console
	mu   sync.Mutex
	got  []bot.Message
	fail bool
}

func (r *replier) Submit(m bot.Message) (bool, error) {
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
	text := "echo " + m.Text + m.Payload
	return false, r.c.Send(context.Background(), bot.Delivery{ChatID: m.ChatID, Reply: bot.Reply{Text: text,
		Buttons: [][]bot.Button{{{Label: "Yes", Payload: "p:yes"}, {Label: "No", Payload: "p:no"}}, {{Label: "Site", URL: "https://example.org"}}}}})
}

func TestConsolePrintsAndPressesButtons(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, "nok", "th", nil)
	r := &replier{c: c}
	in := "hello\n2\n3\n9\n"
	if err := c.Run(context.Background(), strings.NewReader(in), r, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	want := "echo hello\n  [1] Yes\n  [2] No\n  [3] Site <https://example.org>\n\n" +
		"echo p:no\n  [1] Yes\n  [2] No\n  [3] Site <https://example.org>\n\n" +
		"(open https://example.org)\n\n" +
		"echo 9\n  [1] Yes\n  [2] No\n  [3] Site <https://example.org>\n\n"
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if len(r.got) != 3 || r.got[1].Payload != "p:no" || r.got[0].LanguageCode != "th" || r.got[0].ChatID != "nok" {
		t.Fatalf("messages %+v", r.got)
	}
	if r.got[0].ID == r.got[2].ID {
		t.Fatal("message ids repeat")
	}
}

func TestConsoleSwitchesToModeratorRoom(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, "nok", "", nil).WithRoom("moderators")
	r := &replier{c: c}
	in := "/as moderator\n/cases\n/as nok\nhi\n"
	if err := c.Run(context.Background(), strings.NewReader(in), r, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if len(r.got) != 2 {
		t.Fatalf("%d messages, want 2 (the /as lines are the console's own)", len(r.got))
	}
	mod, person := r.got[0], r.got[1]
	if mod.ChatID != "moderators" || mod.UserID != Moderator || mod.ChatType != bot.ChatGroup {
		t.Fatalf("moderator message %+v", mod)
	}
	if person.ChatID != "nok" || person.ChatType != bot.ChatPrivate {
		t.Fatalf("person message %+v", person)
	}
	// A reply addressed elsewhere is headed with its chat.
	c.Send(context.Background(), bot.Delivery{ChatID: "moderators", Reply: bot.Reply{Text: "card"}})
	if !strings.Contains(out.String(), "[to moderators]\ncard\n") {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestConsoleWithoutRoomTreatsAsAsText(t *testing.T) {
	var out bytes.Buffer
	c := New(&out, "nok", "", nil)
	r := &replier{c: c}
	c.Run(context.Background(), strings.NewReader("/as moderator\n"), r, func(context.Context) error { return nil })
	if len(r.got) != 1 || r.got[0].Text != "/as moderator" {
		t.Fatalf("messages %+v", r.got)
	}
}
