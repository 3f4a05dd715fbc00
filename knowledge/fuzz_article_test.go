package knowledge

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzLoadArticle feeds arbitrary bytes as an article file (a deployer's
// PHUAN_KB_DIR is outside input): loading may refuse it with an error, and
// whatever loads must lint, search and list without panicking.
func FuzzLoadArticle(f *testing.F) {
	// One real article: big seeds make minimising new inputs slow.
	if names, _ := fs.Glob(embeddedArticles, "articles/*.json"); len(names) > 0 {
		if b, err := embeddedArticles.ReadFile(names[0]); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `{"id":"x"}`, `{"id":"x","lang":{"lo":null}}`, `{"id":"x","lang":{"lo":{}}} {}`,
		`{"id":"x","category":"rights","lang":{"lo":{"title":"ໍາ","body":"\n\n\n"}},"contacts":[{}],"related":["x"]}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Load(fstest.MapFS{"a.json": {Data: data}, "b.json": {Data: data}})
		if err != nil {
			return
		}
		b.Lint()
		for _, lang := range []string{"lo", "th", "en", "lo-Latn", ""} {
			b.Search("ເງິນເດືອນ salary เงินเดือน", lang, DefaultLimit)
		}
		for _, a := range b.Articles() {
			a.Text("lo")
			a.Text("xx")
		}
		for _, c := range b.Categories() {
			b.ByCategory(c)
		}
		b.EmergencyContacts("TH")
		b.Contacts("ALL")
	})
}
