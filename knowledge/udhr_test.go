package knowledge

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// udhrDir is where the Universal Declaration of Human Rights in Lao, Thai
// and English is kept, beside the repository.
const udhrDir = "../../shared/data"

// readUDHR returns the text of each article of one language's UDHR file,
// keyed by article number.
func readUDHR(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	out := map[string]string{}
	var number string
	var text strings.Builder
	inTitle := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "article":
				for _, a := range el.Attr {
					if a.Name.Local == "number" {
						number = a.Value
					}
				}
				text.Reset()
			case "title":
				inTitle = true
			}
		case xml.EndElement:
			switch el.Name.Local {
			case "article":
				out[number] = strings.TrimSpace(text.String())
				number = ""
			case "title":
				inTitle = false
			case "para":
				text.WriteByte(' ')
			}
		case xml.CharData:
			if number != "" && !inTitle {
				text.Write(el)
			}
		}
	}
}

// udhrArticles makes one article per UDHR article, skipping the test when
// the files are absent.
func udhrArticles(t testing.TB) []*Article {
	t.Helper()
	langs := map[string]string{"lo": "udhr_lao.xml", "th": "udhr_tha.xml", "en": "udhr_eng.xml"}
	texts := map[string]map[string]string{}
	for lang, file := range langs {
		m, err := readUDHR(filepath.Join(udhrDir, file))
		if os.IsNotExist(err) {
			t.Skipf("%s absent", file)
		}
		if err != nil {
			t.Fatal(err)
		}
		texts[lang] = m
	}
	var out []*Article
	for n := range texts["en"] {
		a := &Article{ID: "udhr-" + n, Category: "rights", Lang: map[string]*Text{}}
		for lang := range langs {
			if body := texts[lang][n]; body != "" {
				a.Lang[lang] = &Text{Title: "UDHR " + n, Body: body}
			}
		}
		out = append(out, a)
	}
	if len(out) < 30 {
		t.Fatalf("only %d UDHR articles", len(out))
	}
	return out
}

// fragment is a middle run of n characters of s, with spaces removed.
func fragment(s string, n int) string {
	rs := []rune(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
	if len(rs) <= n {
		return string(rs)
	}
	start := (len(rs) - n) / 2
	return string(rs[start : start+n])
}

// TestUDHRFragments checks that a 20-character run, spaces removed, from
// the middle of each Lao and Thai UDHR article finds that article first.
// Twenty characters are four to six Lao or Thai words, what a person
// remembers of a text; the 30 articles share much vocabulary (rights,
// everyone, law…), so this measures whether cluster bigrams keep enough
// of the word order to tell similar texts apart. A few fragments fall on
// only shared phrases, hence a rate and not every one.
func TestUDHRFragments(t *testing.T) {
	b := New(udhrArticles(t))
	for _, lang := range []string{"lo", "th"} {
		hits, total := 0, 0
		for _, a := range b.Articles() {
			text := a.Lang[lang]
			if text == nil {
				continue
			}
			total++
			q := fragment(text.Body, 20)
			res := b.Search(q, lang, 3)
			if len(res) > 0 && res[0].ID == a.ID {
				hits++
				continue
			}
			var got []string
			for _, r := range res {
				got = append(got, fmt.Sprintf("%s %.2f", r.ID, r.Score))
			}
			t.Logf("%s %s: %q found %v", lang, a.ID, q, got)
		}
		rate := float64(hits) / float64(total)
		t.Logf("%s: %d/%d fragments find their article (%.2f)", lang, hits, total, rate)
		if rate < 0.9 {
			t.Errorf("%s: fragment hit rate %.2f < 0.9", lang, rate)
		}
	}
}

// TestUDHRNormalizeIdempotent runs the normaliser on real Lao and Thai text.
func TestUDHRNormalizeIdempotent(t *testing.T) {
	for _, a := range udhrArticles(t) {
		for lang, text := range a.Lang {
			n := Normalize(text.Body)
			if Normalize(n) != n {
				t.Errorf("%s %s: not idempotent", a.ID, lang)
			}
		}
	}
}
