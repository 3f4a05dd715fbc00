package handlers

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"phuan/bot"
)

func newPrivacyHarness(t *testing.T) (*harness, string) {
	t.Helper()
	h := newHarness(t)
	h.d.features = []Feature{NewPrivacy(PrivacyConfig{Store: h.store, RetentionDays: 90})}
	return h, filepath.Dir(h.store.Path())
}

func onboard(h *harness, lang string) {
	h.say("/start marker_src_Q1")
	h.say(map[string]string{"lo": "#1", "th": "#2", "en": "#3"}[lang])
	h.say("#1") // agree
	h.say("#2") // Thailand
}

func TestPrivacyExplainsInEveryLanguage(t *testing.T) {
	for _, lang := range Languages {
		h, _ := newPrivacyHarness(t)
		onboard(h, lang)
		h.say("/privacy")
		if !strings.Contains(h.text(), "90") || !strings.Contains(h.text(), "/forget") {
			t.Errorf("%s: %s", lang, h.text())
		}
	}
}

func TestMyDataShowsProfileAndExportsJSONOnTelegram(t *testing.T) {
	h, _ := newPrivacyHarness(t)
	onboard(h, "en")
	h.say("/mydata")
	if !strings.Contains(h.text(), "Thailand") || !strings.Contains(h.text(), "Working abroad") {
		t.Fatalf("mydata: %s", h.text())
	}
	if len(h.last[0].Reply.Media) != 0 {
		t.Error("the console got a file")
	}
	out := h.send(bot.Message{ID: "tg", Channel: "telegram", ChatID: "9", UserID: "9", ChatType: bot.ChatPrivate, Text: "/mydata", LanguageCode: "en"})
	media := out[0].Reply.Media
	if len(media) != 1 || media[0].Name != "phuan-my-data.json" || !json.Valid(media[0].Data) {
		t.Fatalf("telegram export %+v", media)
	}
}

func TestForgetAsksThenErasesEverything(t *testing.T) {
	h, dir := newPrivacyHarness(t)
	onboard(h, "lo")
	h.say("/forget")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "forget_confirm")) {
		t.Fatalf("no confirmation: %s", h.text())
	}
	h.say("#2") // keep
	if h.person() == nil {
		t.Fatal("erased without a yes")
	}
	h.say("/forget")
	h.say("#1")
	if h.person() != nil {
		t.Fatal("person still stored after /forget")
	}
	if !h.last[0].Reply.ClearRecent || !strings.Contains(h.text(), h.d.cat.T("lo", "forgotten")) {
		t.Fatalf("confirmation %+v", h.last)
	}
	c, _ := h.store.Conversation("console", "u1", h.clock.t)
	if c.Lang != "" || c.Flow != "" {
		t.Fatalf("conversation state rewritten after erasure: %+v", c)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "phuan.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("marker_src_Q1")) {
		t.Fatal("the deep-link source is still in the data file")
	}
}

func TestQuickExitAndClear(t *testing.T) {
	h, _ := newPrivacyHarness(t)
	h.say("/clear")
	if !h.last[0].Reply.ClearRecent {
		t.Fatal("/clear did not ask the channel to clear")
	}
	h.send(bot.Message{ID: "x", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "privacy:exit"})
	r := h.last[0].Reply
	if !r.ClearRecent || r.Text != h.d.cat.T("lo", "neutral_screen") || len(r.Buttons) != 0 {
		t.Fatalf("quick exit %+v", r)
	}
}

func TestPrivacyCommandsInGroupStayPrivate(t *testing.T) {
	h, _ := newPrivacyHarness(t)
	out := h.send(bot.Message{ID: "g", Channel: "console", ChatID: "-3", ChatType: bot.ChatGroup, UserID: "u1", Payload: "privacy:mydata"})
	if len(out) != 1 || !strings.Contains(out[0].Reply.Text, h.d.cat.T("lo", "privacy_private_only")) {
		t.Fatalf("group %+v", out)
	}
}
