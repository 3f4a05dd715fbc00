package knowledge

import (
	"strings"
	"testing"
)

func TestSearch(t *testing.T) {
	b := testBase(t)
	tests := []struct {
		name, q, lang, want string
	}{
		{"lao title", "ບໍ່ໄດ້ຮັບເງິນເດືອນ", "lo", "unpaid-wages"},
		{"lao no spaces informal", "ເຮັດວຽກແລ້ວນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ", "lo", "unpaid-wages"},
		{"lao missing tones", "ບໍໄດຮັບເງິນເດືອນ", "lo", "unpaid-wages"},
		{"lao old spelling ຫມ", "ໂຮງຫມໍ", "lo", "health-care"},
		{"lao zero width", "ໂຮງ\u200bໝໍ", "lo", "health-care"},
		{"romanised", "ngoen deuan", "lo-Latn", "unpaid-wages"},
		{"romanised joined", "ngerndeuan", "lo-Latn", "unpaid-wages"},
		{"romanised other", "hongmor", "lo-Latn", "health-care"},
		{"english", "my boss didnt pay my salary", "en", "unpaid-wages"},
		{"english plural", "hospitals", "en", "health-care"},
		{"english caps", "LOST PASSPORT", "en", "lost-documents"},
		{"thai", "นายจ้างไม่จ่ายเงินเดือน", "th", "unpaid-wages"},
		{"thai in lao session", "ตำรวจ", "lo", "emergency-help"},
		{"lao digits", "ສົ່ງເງິນ ໑໐໐ ໂດລາ", "lo", "remittances"},
		{"no language", "passport", "", "lost-documents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.Search(tt.q, tt.lang, 3)
			if len(res) == 0 {
				t.Fatalf("Search(%q) found nothing", tt.q)
			}
			if res[0].ID != tt.want {
				t.Errorf("Search(%q)[0] = %s (%.3f), want %s; all %v", tt.q, res[0].ID, res[0].Score, tt.want, res)
			}
			if !res[0].Confident {
				t.Errorf("Search(%q)[0] = %s not confident (%.3f)", tt.q, res[0].ID, res[0].Score)
			}
			for i, r := range res {
				if r.Score <= 0 || r.Score >= 1 || r.Article == nil || r.Article.ID != r.ID {
					t.Errorf("result %d: %+v", i, r)
				}
				if i > 0 && r.Score > res[i-1].Score {
					t.Errorf("results out of order: %v", res)
				}
			}
		})
	}
}

// TestSearchCrossScript checks that a Thai question finds an article that
// has only Lao text, through the shared folded keys.
func TestSearchCrossScript(t *testing.T) {
	b := testBase(t)
	res := b.Search("โอนเงิน", "th", 3)
	for i, r := range res {
		if r.ID == "remittances" {
			if i > 1 || r.Score < ConfidenceThreshold {
				t.Errorf("remittances at %d with %.3f", i+1, r.Score)
			}
			return
		}
	}
	t.Errorf("remittances not found: %v", res)
}

func TestSearchNothing(t *testing.T) {
	b := testBase(t)
	for _, q := range []string{"", "   ", "?!", "\xff\xfe\xfd", "the a of", "\u200b\u200b", "ໆ", "์"} {
		if res := b.Search(q, "lo", 5); len(res) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, res)
		}
	}
}

func TestSearchNotConfident(t *testing.T) {
	b := testBase(t)
	for _, q := range []string{
		"asdkjhqwe zzxq",
		"what is the weather tomorrow",
		"ອາກາດມື້ອື່ນເປັນແນວໃດ",
		"ฟุตบอลคืนนี้",
		strings.Repeat("x", 5000),
	} {
		for _, r := range b.Search(q, "lo", 5) {
			if r.Confident {
				t.Errorf("Search(%.40q) = %s %.3f, confident", q, r.ID, r.Score)
			}
		}
	}
}

func TestSearchLimit(t *testing.T) {
	b := testBase(t)
	if got := len(b.Search("ຕຳຫຼວດ", "lo", 1)); got != 1 {
		t.Errorf("limit 1 gave %d results", got)
	}
	if got := len(b.Search("ຕຳຫຼວດ", "lo", int(^uint(0)>>1))); got == 0 || got > len(b.Articles()) {
		t.Errorf("huge limit gave %d results", got)
	}
	if got := len(b.Search("ຕຳຫຼວດ", "lo", 0)); got == 0 || got > DefaultLimit {
		t.Errorf("limit 0 gave %d results", got)
	}
}

func TestSearchConcurrent(t *testing.T) {
	b := testBase(t)
	done := make(chan []Result)
	for range 8 {
		go func() { done <- b.Search("ເງິນເດືອນ", "lo", 3) }()
	}
	for range 8 {
		if res := <-done; len(res) == 0 || res[0].ID != "unpaid-wages" {
			t.Errorf("concurrent search: %v", res)
		}
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"", "ເງິນເດືອນ", "ngern duean", "passport lost", "เงินเดือน", "\xff", "ໍາ່", "a b c d e"} {
		f.Add(s, "lo")
	}
	b := testBase(f)
	f.Fuzz(func(t *testing.T, q, lang string) {
		for _, r := range b.Search(q, lang, 3) {
			if r.Score <= 0 || r.Score >= 1 || r.Article == nil {
				t.Fatalf("Search(%q, %q): %+v", q, lang, r)
			}
		}
	})
}
