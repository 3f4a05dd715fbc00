package handlers

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestForgetErasesCaseTranscriptKeepsCountsAndTellsTheRoom(t *testing.T) {
	h := newCaseHarness(t)
	h.d.features = append([]Feature{NewPrivacy(PrivacyConfig{Store: h.st, Cases: h.cases, RetentionDays: 90})}, h.d.features...)
	h.consent("en", "TH")
	const marker = "MARKERcase5521"
	id := h.intake("unpaid_wages", "TH", "no", "my boss owes me "+marker, "no")

	out := h.say("/mydata")
	if !strings.Contains(texts(out), id) {
		t.Fatalf("/mydata does not list %s:\n%s", id, texts(out))
	}
	h.say("/forget")
	out = h.say("#1")
	if room := texts(h.forChat("moderators")); !strings.Contains(room, id) {
		t.Fatalf("the room was not told %s was erased: %v", id, out)
	}
	c := h.caseNow(id)
	if !c.Erased || len(c.Transcript) != 0 || c.Category != "unpaid_wages" || c.Country != "TH" {
		t.Fatalf("case after erasure %+v", c)
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(h.st.Path()), "phuan.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(marker)) {
		t.Fatal("the case text is still in the data file")
	}
}
