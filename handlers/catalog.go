package handlers

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// Languages are the languages Phuan speaks, Lao first.
var Languages = []string{"lo", "th", "en"}

// Each language has a folder of JSON files (one per feature, such as
// core.json); a key may appear in only one file.
//
//go:embed locales
var localeFiles embed.FS

// Catalog holds every text people read, per language.
type Catalog struct {
	texts map[string]map[string]string // lang → key → text
}

// LoadCatalog reads the embedded catalogues.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{texts: map[string]map[string]string{}}
	for _, lang := range Languages {
		files, err := fs.Glob(localeFiles, "locales/"+lang+"/*.json")
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("no %s catalogue files: %v", lang, err)
		}
		all := map[string]string{}
		for _, name := range files {
			raw, err := localeFiles.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("read catalogue %s: %w", name, err)
			}
			m := map[string]string{}
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("decode catalogue %s: %w", name, err)
			}
			for k, v := range m {
				if _, dup := all[k]; dup {
					return nil, fmt.Errorf("catalogue %s: key %q is defined twice", name, k)
				}
				all[k] = v
			}
		}
		c.texts[lang] = all
	}
	return c, nil
}

// T returns the text for key in lang, falling back to Lao, then English,
// with {name} placeholders filled from kv (name, value, name, value…).
func (c *Catalog) T(lang, key string, kv ...string) string {
	s, ok := c.texts[lang][key]
	if !ok {
		if s, ok = c.texts["lo"][key]; !ok {
			s = c.texts["en"][key]
		}
	}
	if len(kv) == 0 {
		return s
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Has reports whether key exists in the Lao catalogue.
func (c *Catalog) Has(key string) bool {
	_, ok := c.texts["lo"][key]
	return ok
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// Check reports every key missing in a language and every text whose
// placeholders differ from the Lao one.
func (c *Catalog) Check() []string {
	var problems []string
	for _, lang := range Languages {
		for key := range c.texts["lo"] {
			if _, ok := c.texts[lang][key]; !ok {
				problems = append(problems, fmt.Sprintf("%s: key %q is missing", lang, key))
			}
		}
		for key, text := range c.texts[lang] {
			lo, ok := c.texts["lo"][key]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: key %q is not in the Lao catalogue", lang, key))
				continue
			}
			if strings.TrimSpace(text) == "" {
				problems = append(problems, fmt.Sprintf("%s: key %q is empty", lang, key))
			}
			if a, b := placeholders(lo), placeholders(text); a != b {
				problems = append(problems, fmt.Sprintf("%s: key %q has placeholders %s, Lao has %s", lang, key, b, a))
			}
		}
	}
	return problems
}

func placeholders(s string) string {
	found := placeholder.FindAllString(s, -1)
	seen := map[string]bool{}
	var out []string
	for _, f := range found {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
