package handlers

import (
	"strings"
	"testing"

	"phuan/bot"
	"phuan/knowledge"
)

func newKBHarness(t *testing.T) (*harness, *knowledge.Base) {
	t.Helper()
	kb, err := knowledge.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.d.features = []Feature{NewAnswers(kb, h.store)}
	return h, kb
}

func TestQuestionGetsArticleSummaryInPersonsLanguage(t *testing.T) {
	h, kb := newKBHarness(t)
	h.say("ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ")
	want := kb.Article("unpaid-wages").Text("lo")
	if !strings.HasPrefix(h.text(), want.Title+"\n\n"+want.Summary) {
		t.Fatalf("answer:\n%s", h.text())
	}
	payloads := map[string]bool{}
	for _, row := range h.last[0].Reply.Buttons {
		for _, b := range row {
			payloads[b.Payload] = true
		}
	}
	for _, p := range []string{"kb:more:unpaid-wages", "kb:yes:unpaid-wages", "kb:no:unpaid-wages", "case:new", "menu"} {
		if !payloads[p] {
			t.Errorf("answer lacks button %q", p)
		}
	}
}

func TestUnsureAnswerOffersTopicsAndPerson(t *testing.T) {
	h, _ := newKBHarness(t)
	h.say("zzqx blorf")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "kb_not_sure")) {
		t.Fatalf("got %s", h.text())
	}
	if h.button(1).Payload != "kb:topics" || h.button(2).Payload != "case:new" {
		t.Fatalf("buttons %+v", h.last[0].Reply.Buttons)
	}
}

func TestReadMoreHasBodyContactsAndSources(t *testing.T) {
	h, kb := newKBHarness(t)
	h.send(bot.Message{ID: "r", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate,
		Payload: "kb:more:emergency-help", LanguageCode: "en"})
	art := kb.Article("emergency-help")
	text := h.text()
	if !strings.Contains(text, art.Text("en").Body[:50]) || !strings.Contains(text, art.Reviewed) {
		t.Fatalf("read more lacks body or review date:\n%s", text)
	}
	if !strings.Contains(text, "191") {
		t.Errorf("emergency help lacks Thai police 191:\n%s", text)
	}
}

func TestFeedbackIsCountedAndUnhelpfulOffersPerson(t *testing.T) {
	h, _ := newKBHarness(t)
	h.send(bot.Message{ID: "y", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "kb:yes:remittances"})
	h.send(bot.Message{ID: "n", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "kb:no:remittances"})
	if h.button(1).Payload != "case:new" {
		t.Fatalf("not helpful should offer a person first: %+v", h.last[0].Reply.Buttons)
	}
	fb, err := h.store.Feedback()
	if err != nil || len(fb) != 1 || fb[0].Helpful != 1 || fb[0].Unhelpful != 1 {
		t.Fatalf("feedback %+v %v", fb, err)
	}
	h.send(bot.Message{ID: "f", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "kb:no:not-an-article"})
	if !strings.Contains(h.text(), h.d.cat.T("lo", "stale_button")) {
		t.Fatalf("forged article id: %s", h.text())
	}
}

func TestBrowseTopics(t *testing.T) {
	h, kb := newKBHarness(t)
	h.say("/menu")
	if h.button(1).Payload != "kb:topics" {
		t.Fatalf("menu does not start with topics: %+v", h.last[0].Reply.Buttons)
	}
	h.say("#1")
	if got := len(h.last[0].Reply.Buttons); got != len(kb.Categories())+1 {
		t.Fatalf("%d topic buttons for %d categories", got, len(kb.Categories()))
	}
	h.say("#1")
	first := h.button(1).Payload
	h.say("#1")
	if !strings.HasPrefix(first, "kb:") || !strings.Contains(h.text(), kb.Article(strings.TrimPrefix(first, "kb:")).Text("lo").Summary) {
		t.Fatalf("article from topic list: %s", h.text())
	}
}

func TestGroupAnswerIsShortAndHasNoButtons(t *testing.T) {
	h, _ := newKBHarness(t)
	out := h.send(bot.Message{ID: "g", Channel: "console", ChatID: "-7", ChatType: bot.ChatGroup, UserID: "u9",
		Text: "/ask how to send money home"})
	if len(out) != 1 || len(out[0].Reply.Buttons) != 0 || !out[0].Group {
		t.Fatalf("group answer %+v", out)
	}
	out = h.send(bot.Message{ID: "g2", Channel: "console", ChatID: "-7", ChatType: bot.ChatGroup, UserID: "u9", Text: "/ask"})
	if len(out) != 1 || !strings.Contains(out[0].Reply.Text, "/ask") {
		t.Fatalf("empty /ask: %+v", out)
	}
}
