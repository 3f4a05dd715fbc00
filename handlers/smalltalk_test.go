package handlers

import (
	"testing"

	"phuan/knowledge"
)

func TestSmallTalk(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"ຂອບໃຈ", talkThanks},
		{"ຂອບໃຈຫຼາຍໆເດີ", talkThanks},
		{"ຂອບໃຈຫລາຍໆ", talkThanks}, // ຫລ as many type it
		{"ເຈົ້າ ຂອບໃຈ", talkThanks},
		{"ขอบคุณครับ", talkThanks},
		{"ขอบคุณมากๆค่ะ", talkThanks},
		{"Thank you so much!", talkThanks},
		{"ok thanks", talkThanks},
		{"thanks a lot phuan", talkThanks},
		{"khob jai lai lai", talkThanks},
		{"🙏", talkThanks},
		{"ສະບາຍດີ", talkHello},
		{"ສະບາຍດີເດີ", talkHello},
		{"สวัสดีครับ", talkHello},
		{"Hi!", talkHello},
		{"sabaidee", talkHello},
		{"ກິນເຂົ້າແລ້ວບໍ?", talkHello},
		{"สบายดีไหมครับ", talkHello},
		{"How are you?", talkHello},
		{"ກິນເຂົ້າແລ້ວບໍ ນາຍຈ້າງບໍ່ໃຫ້ກິນ", ""},
		{"ໂອເຄ", talkOK},
		{"ok", talkOK},
		{"OK ok", talkOK},
		{"โอเคค่ะ", talkOK},
		{"👍👍", talkOK},
		{"ເຂົ້າໃຈແລ້ວ", talkOK},
		{"ບາຍ", talkBye},
		{"bye bye", talkBye},
		{"ลาก่อนนะ", talkBye},
		// Anything more is a question or something to tell.
		{"ຂອບໃຈ ແຕ່ນາຍຈ້າງຍັງບໍ່ຈ່າຍ", ""},
		{"ok my boss took my passport", ""},
		{"hi I lost my passport", ""},
		{"ສະບາຍດີ ຂ້ອຍຢາກຖາມເລື່ອງເງິນເດືອນ", ""},
		{"ບໍ່ເຂົ້າໃຈ", ""},
		{"ไม่โอเค", ""},
		{"help", ""},
		{"kha", ""},
		{"😢", ""},
		{"555", ""},
		{"", ""},
	} {
		if got := smallTalk(tc.text); got != tc.want {
			t.Errorf("smallTalk(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestSmallTalkPhrasesAreNormalised: a key not in normalised form could
// never match.
func TestSmallTalkPhrasesAreNormalised(t *testing.T) {
	for _, set := range [][]string{mapKeys(smallTalkPhrases), smallTalkEnds, smallTalkStarts} {
		for _, k := range set {
			if knowledge.Normalize(k) != k {
				t.Errorf("%q is not normalised", k)
			}
		}
	}
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestThanksIsNotSearched: a lone "thanks" or "ok" gets a reply of its
// own, in the person's language, not an article that holds the word.
func TestThanksIsNotSearched(t *testing.T) {
	h, _ := newKBHarness(t)
	for _, tc := range []struct{ text, key string }{
		{"ຂອບໃຈຫຼາຍໆ", "smalltalk_thanks"},
		{"ok", "smalltalk_ok"},
		{"ສະບາຍດີ", "smalltalk_hello"},
		{"ລາກ່ອນ", "smalltalk_bye"},
	} {
		h.say(tc.text)
		if len(h.last) != 1 || h.text() != h.d.cat.T("lo", tc.key) || h.button(1).Payload != "menu" {
			t.Errorf("%q answered %q", tc.text, h.text())
		}
	}
	h.say("ຂອບໃຈ ແຕ່ນາຍຈ້າງຍັງບໍ່ຈ່າຍເງິນເດືອນ")
	if h.text() == h.d.cat.T("lo", "smalltalk_thanks") {
		t.Error("a question after thanks was not searched")
	}
}
