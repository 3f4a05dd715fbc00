package knowledge

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLintClean(t *testing.T) {
	b := testBase(t)
	for _, p := range b.Lint() {
		t.Errorf("unexpected problem: %+v", p)
	}
}

func TestLint(t *testing.T) {
	tests := []struct {
		name     string
		change   func(a *Article)
		file     string // file name to store the article under, "" for <id>.json
		severity string
		message  string
	}{
		{"id not matching file", func(a *Article) {}, "other.json", "error", "holds id"},
		{"bad id", func(a *Article) { a.ID = "Unpaid_Wages" }, "Unpaid_Wages.json", "error", "lower-case"},
		{"missing lo", func(a *Article) { delete(a.Lang, "lo") }, "", "error", "lo: missing"},
		{"missing en", func(a *Article) { delete(a.Lang, "en") }, "", "error", "en: missing"},
		{"missing th for Thailand", func(a *Article) { delete(a.Lang, "th") }, "", "error", "th: missing"},
		{"empty title", func(a *Article) { a.Lang["en"].Title = " " }, "", "error", "en: empty title"},
		{"empty summary", func(a *Article) { a.Lang["th"].Summary = "" }, "", "error", "th: empty summary"},
		{"empty body", func(a *Article) { a.Lang["lo"].Body = "" }, "", "error", "lo: empty body"},
		{"long summary", func(a *Article) { a.Lang["lo"].Summary = strings.Repeat("ກ", 601) }, "", "error", "601 characters"},
		{"broken related", func(a *Article) { a.Related = []string{"nowhere"} }, "", "error", `no article "nowhere"`},
		{"self related", func(a *Article) { a.Related = []string{a.ID} }, "", "warning", "itself"},
		{"contact without source", func(a *Article) {
			a.Contacts = []Contact{{Name: map[string]string{"en": "X"}, Phone: "1", Country: "LA"}}
		}, "", "error", "X: no source"},
		{"contact without a way", func(a *Article) {
			a.Contacts = []Contact{{Name: map[string]string{"en": "X"}, Country: "LA", Source: "s"}}
		}, "", "error", "no phone, address or link"},
		{"contact bad country", func(a *Article) {
			a.Contacts = []Contact{{Name: map[string]string{"en": "X"}, Phone: "1", Country: "FR", Source: "s"}}
		}, "", "error", `country "FR"`},
		{"contact for an unknown danger", func(a *Article) {
			a.Contacts = []Contact{{Name: map[string]string{"en": "X"}, Phone: "1", Country: "LA", Source: "s", For: []string{"fire"}}}
		}, "", "error", `for "fire"`},
		{"contact to confirm", func(a *Article) {
			a.Contacts = []Contact{{Name: map[string]string{"en": "X"}, Phone: "1", Country: "LA", Source: "s", Confirm: true}}
		}, "", "confirm", "contact X (1)"},
		{"confirm entry", func(a *Article) { a.Confirm = []string{"the fee is 100 dollars"} }, "", "confirm", "the fee is 100 dollars"},
		{"no sources", func(a *Article) { a.Sources = nil }, "", "error", "sources: none"},
		{"bad reviewed", func(a *Article) { a.Reviewed = "1 Nov 2026" }, "", "error", "reviewed"},
		{"unknown category", func(a *Article) { a.Category = "misc" }, "", "error", `category "misc"`},
		{"unknown audience", func(a *Article) { a.Audience = []string{"everyone"} }, "", "error", `audience "everyone"`},
		{"unknown country", func(a *Article) { a.Countries = []string{"VN"} }, "", "error", `country "VN"`},
		{"no keywords", func(a *Article) { a.Lang["en"].Keywords = nil }, "", "warning", "en: no keywords"},
		{"bad contact link", func(a *Article) {
			a.Contacts = []Contact{{Name: map[string]string{"en": "X"}, Link: "www.example.org", Country: "LA", Source: "s"}}
		}, "", "warning", "not an http(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			articles := testArticles()
			a := articles[0]
			tt.change(a)
			fsys := articleFS(t, articles)
			if tt.file != "" {
				delete(fsys, "unpaid-wages.json")
				delete(fsys, a.ID+".json")
				fsys[tt.file] = fsys2(t, a)
			}
			b, err := Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range b.Lint() {
				if p.Severity == tt.severity && strings.Contains(p.Message, tt.message) && p.ArticleID == a.ID {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s problem containing %q in %+v", tt.severity, tt.message, b.Lint())
			}
		})
	}
}

func fsys2(t *testing.T, a *Article) *fstest.MapFile {
	return articleFS(t, []*Article{a})[a.ID+".json"]
}

func TestLintDuplicate(t *testing.T) {
	articles := testArticles()
	fsys := articleFS(t, articles)
	fsys["zz-copy.json"] = fsys["health-care.json"]
	b, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.Articles()); got != len(articles) {
		t.Errorf("%d articles, want %d (the duplicate is kept out)", got, len(articles))
	}
	var msgs []string
	for _, p := range b.Lint() {
		msgs = append(msgs, p.Message)
	}
	if !strings.Contains(strings.Join(msgs, "\n"), `duplicate id "health-care": in health-care.json and zz-copy.json`) {
		t.Errorf("no duplicate reported: %q", msgs)
	}
}
