package knowledge

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadErrors(t *testing.T) {
	good := articleFS(t, testArticles())["health-care.json"]
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no files", fstest.MapFS{"README.md": {Data: []byte("hi")}}, "no *.json"},
		{"bad json", fstest.MapFS{"a.json": {Data: []byte(`{"id": `)}}, "article a.json: decoding"},
		{"unknown field", fstest.MapFS{"a.json": {Data: []byte(`{"id": "a", "colour": "red"}`)}}, `unknown field "colour"`},
		{"trailing data", fstest.MapFS{"a.json": {Data: []byte(`{"id": "a"} {"id": "b"}`)}}, "after the article"},
		{"not an object", fstest.MapFS{"a.json": {Data: []byte(`[1, 2]`)}}, "article a.json"},
		{"too large", fstest.MapFS{"big.json": {Data: []byte(`{"id": "` + strings.Repeat("x", MaxArticleBytes) + `"}`)}}, "big.json: larger than"},
		{"one bad among good", fstest.MapFS{"health-care.json": good, "z.json": {Data: []byte(`nope`)}}, "article z.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadIgnoresOtherFiles(t *testing.T) {
	fsys := articleFS(t, testArticles())
	fsys["README.md"] = &fstest.MapFile{Data: []byte("not an article")}
	fsys["sub/x.json"] = &fstest.MapFile{Data: []byte("not read")}
	b, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Articles()) != len(testArticles()) {
		t.Errorf("got %d articles", len(b.Articles()))
	}
}

func TestOpenDir(t *testing.T) {
	dir := t.TempDir()
	for name, f := range articleFS(t, testArticles()) {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.Article("health-care") == nil {
		t.Error("health-care not loaded")
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Open(missing dir): %v", err)
	}
}

func TestAccessors(t *testing.T) {
	b := testBase(t)
	var ids []string
	for _, a := range b.Articles() {
		ids = append(ids, a.ID)
	}
	if !slices.IsSorted(ids) || len(ids) != 5 {
		t.Errorf("Articles() = %v", ids)
	}
	if b.Article("nope") != nil {
		t.Error("Article(nope) is not nil")
	}
	if got := b.Categories(); !slices.Equal(got, []string{"rights", "money", "health"}) {
		t.Errorf("Categories() = %v", got)
	}
	var money []string
	for _, a := range b.ByCategory("money") {
		money = append(money, a.ID)
	}
	if !slices.Equal(money, []string{"lost-documents", "remittances"}) {
		t.Errorf("ByCategory(money) = %v", money)
	}
	if CategoryTitle("health", "en") != "Health" || CategoryTitle("health", "xx") != "ສຸຂະພາບ" || CategoryTitle("x", "en") != "x" {
		t.Error("CategoryTitle")
	}
}

func TestText(t *testing.T) {
	a := testBase(t).Article("remittances") // lo and en only
	tests := []struct{ lang, want string }{
		{"en", "Sending money home"},
		{"lo", "ການສົ່ງເງິນກັບບ້ານ"},
		{"lo-Latn", "ການສົ່ງເງິນກັບບ້ານ"},
		{"th", "ການສົ່ງເງິນກັບບ້ານ"},
		{"", "ການສົ່ງເງິນກັບບ້ານ"},
		{"EN", "Sending money home"},
	}
	for _, tt := range tests {
		if got := a.Text(tt.lang).Title; got != tt.want {
			t.Errorf("Text(%q).Title = %q, want %q", tt.lang, got, tt.want)
		}
	}
	delete(a.Lang, "lo")
	if got := a.Text("th").Title; got != "Sending money home" {
		t.Errorf("without lo, Text(th) = %q", got)
	}
	if (&Article{}).Text("lo") != nil {
		t.Error("empty article has text")
	}
}

func TestContacts(t *testing.T) {
	b := testBase(t)
	phones := func(cs []Contact) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Phone+c.Link)
		}
		return out
	}
	tests := []struct {
		name, country string
		emergency     bool
		want          []string
	}{
		{"emergency TH", "TH", true, []string{"000-TH"}},
		{"emergency lower-case", "th", true, []string{"000-TH"}},
		{"emergency LA", "LA", true, []string{"000-LA"}},
		{"emergency unknown country", "FR", true, []string{"000-LA"}},
		{"emergency no country", "", true, []string{"000-LA", "000-TH"}},
		{"emergency KR (none)", "KR", true, nil},
		{"all TH", "TH", false, []string{"000-TH", "https://example.org"}},
		{"all LA", "LA", false, []string{"000-LA", "000-BANK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Contact
			if tt.emergency {
				got = b.EmergencyContacts(tt.country)
			} else {
				got = b.Contacts(tt.country)
			}
			if !slices.Equal(phones(got), tt.want) {
				t.Errorf("got %v, want %v", phones(got), tt.want)
			}
		})
	}
}

func TestNewSkipsNil(t *testing.T) {
	b := New(append(testArticles(), nil))
	if len(b.Articles()) != 5 || len(b.Search("passport", "en", 1)) != 1 {
		t.Error("New")
	}
	if res := New(nil).Search("passport", "en", 3); res != nil {
		t.Errorf("empty base search: %v", res)
	}
}
