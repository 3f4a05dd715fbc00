package knowledge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
)

// MaxArticleBytes is the largest article file Load accepts.
const MaxArticleBytes = 256 << 10

// Base is a loaded set of articles and their search index. It is
// immutable and safe for concurrent use.
type Base struct {
	articles []*Article // sorted by id, first of each id
	byID     map[string]*Article
	entries  []entry // every file loaded, in file-name order, for Lint
	idx      *index
	scratch  sync.Pool // *searchScratch
}

// entry is one loaded file.
type entry struct {
	file    string // "" when the article did not come from a file
	article *Article
}

// Open loads the articles in dir, or the embedded ones when dir is "".
// Deployers point PHUAN_KB_DIR at a folder to replace the embedded set.
func Open(dir string) (*Base, error) {
	if dir == "" {
		return Embedded()
	}
	b, err := Load(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("loading knowledge base from %s: %w", dir, err)
	}
	return b, nil
}

// Embedded loads the articles built into the binary.
func Embedded() (*Base, error) {
	sub, err := fs.Sub(embeddedArticles, "articles")
	if err != nil {
		return nil, fmt.Errorf("embedded articles: %w", err)
	}
	b, err := Load(sub)
	if err != nil {
		return nil, fmt.Errorf("embedded articles: %w", err)
	}
	return b, nil
}

// Load reads every *.json file at the root of fsys as one article and
// builds the index. It fails only on files it cannot read or decode
// (unknown fields, trailing data, over MaxArticleBytes) or when there is
// no article; everything else is for Lint.
func Load(fsys fs.FS) (*Base, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("listing articles: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("no *.json article files")
	}
	slices.Sort(names)
	entries := make([]entry, 0, len(names))
	for _, name := range names {
		a, err := readArticle(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("article %s: %w", name, err)
		}
		entries = append(entries, entry{file: name, article: a})
	}
	return build(entries), nil
}

// New builds a Base from articles already in memory (tests, tools).
func New(articles []*Article) *Base {
	entries := make([]entry, 0, len(articles))
	for _, a := range articles {
		if a != nil {
			entries = append(entries, entry{article: a})
		}
	}
	return build(entries)
}

func readArticle(fsys fs.FS, name string) (*Article, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxArticleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(data) > MaxArticleBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxArticleBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var a Article
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decoding: data after the article object")
	}
	return &a, nil
}

func build(entries []entry) *Base {
	b := &Base{entries: entries, byID: make(map[string]*Article, len(entries))}
	for _, e := range entries {
		if _, dup := b.byID[e.article.ID]; dup {
			continue
		}
		b.byID[e.article.ID] = e.article
		b.articles = append(b.articles, e.article)
	}
	slices.SortFunc(b.articles, func(x, y *Article) int { return strings.Compare(x.ID, y.ID) })
	b.idx = buildIndex(b.articles)
	b.scratch.New = func() any { return newSearchScratch(len(b.articles)) }
	return b
}

// Article returns the article with this id, or nil.
func (b *Base) Article(id string) *Article { return b.byID[id] }

// Articles returns every article, sorted by id. The slice is a copy; the
// articles are shared and must not be changed.
func (b *Base) Articles() []*Article { return slices.Clone(b.articles) }

// Languages the knowledge base is written in, in fallback order.
const (
	LangLao     = "lo"
	LangThai    = "th"
	LangEnglish = "en"
)

// baseLang maps a language tag to the one articles are keyed by:
// "lo-Latn" (romanised Lao) is Lao, "th-TH" is Thai.
func baseLang(lang string) string {
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// Text returns the article in lang, falling back to Lao, then English,
// then any language; nil only when the article has no text at all.
func (a *Article) Text(lang string) *Text {
	for _, l := range [...]string{baseLang(lang), LangLao, LangEnglish} {
		if t := a.Lang[l]; t != nil {
			return t
		}
	}
	keys := make([]string, 0, len(a.Lang))
	for l, t := range a.Lang {
		if t != nil {
			keys = append(keys, l)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	return a.Lang[keys[0]]
}

// Categories, in menu order.
const (
	CategoryRights    = "rights"    // rights at work
	CategoryMigration = "migration" // safe migration and job offers
	CategoryMoney     = "money"     // money and documents
	CategoryHealth    = "health"
	CategoryHome      = "home"    // coming home
	CategoryService   = "service" // about this service
)

var categoryOrder = [...]string{CategoryRights, CategoryMigration, CategoryMoney, CategoryHealth, CategoryHome, CategoryService}

var categoryTitles = map[string]map[string]string{
	CategoryRights:    {"en": "Rights at work", "lo": "ສິດຢູ່ບ່ອນເຮັດວຽກ", "th": "สิทธิในที่ทำงาน"},
	CategoryMigration: {"en": "Safe migration and job offers", "lo": "ການໄປເຮັດວຽກຢ່າງປອດໄພ ແລະ ການສະເໜີວຽກ", "th": "การย้ายถิ่นอย่างปลอดภัยและข้อเสนองาน"},
	CategoryMoney:     {"en": "Money and documents", "lo": "ເງິນ ແລະ ເອກະສານ", "th": "เงินและเอกสาร"},
	CategoryHealth:    {"en": "Health", "lo": "ສຸຂະພາບ", "th": "สุขภาพ"},
	CategoryHome:      {"en": "Coming home", "lo": "ກັບບ້ານ", "th": "กลับบ้าน"},
	CategoryService:   {"en": "About this service", "lo": "ກ່ຽວກັບບໍລິການນີ້", "th": "เกี่ยวกับบริการนี้"},
}

// Categories returns the categories that have at least one article, in
// menu order.
func (b *Base) Categories() []string {
	var out []string
	for _, c := range categoryOrder {
		if slices.ContainsFunc(b.articles, func(a *Article) bool { return a.Category == c }) {
			out = append(out, c)
		}
	}
	return out
}

// CategoryTitle names a category in lang (falling back to Lao, then
// English); an unknown category is returned as it is.
func CategoryTitle(category, lang string) string {
	t, ok := categoryTitles[category]
	if !ok {
		return category
	}
	for _, l := range [...]string{baseLang(lang), LangLao, LangEnglish} {
		if s, ok := t[l]; ok {
			return s
		}
	}
	return category
}

// ByCategory returns the articles of a category, sorted by id.
func (b *Base) ByCategory(category string) []*Article {
	var out []*Article
	for _, a := range b.articles {
		if a.Category == category {
			out = append(out, a)
		}
	}
	return out
}

// Countries contacts are given for.
var knownCountries = [...]string{"LA", "TH", "KR", "MY", "JP"}

// CrisisKinds are the kinds of danger a contact's For may name: the
// categories of the crisis detector (handlers/crisis), which a test keeps
// in step.
func CrisisKinds() []string {
	return []string{"violence", "sexual_abuse", "confinement", "trafficking", "documents_taken",
		"debt_bondage", "threats", "self_harm", "medical_emergency"}
}

// EmergencyArticleID is the article whose contacts come first.
const EmergencyArticleID = "emergency-help"

// EmergencyContacts returns the contacts marked Emergency for a country
// (TH, KR, MY, JP, LA), those of the emergency-help article first. An
// unknown country gives the Lao ones. No country ("") gives the Lao ones
// followed by the first emergency contact of each other country, for a
// reply that says "in Thailand: …, in Korea: …" (each Contact names its
// Country).
func (b *Base) EmergencyContacts(country string) []Contact {
	country = strings.ToUpper(strings.TrimSpace(country))
	if country == "" {
		out := b.contacts("LA", true)
		for _, c := range knownCountries[1:] {
			if cs := b.contacts(c, true); len(cs) > 0 {
				out = append(out, cs[0])
			}
		}
		return out
	}
	if !slices.Contains(knownCountries[:], country) {
		country = "LA"
	}
	return b.contacts(country, true)
}

// Contacts returns every contact for a country (all countries for ""),
// emergency contacts first, without duplicates.
func (b *Base) Contacts(country string) []Contact {
	country = strings.ToUpper(strings.TrimSpace(country))
	emergency := b.contacts(country, true)
	out := slices.Clone(emergency)
	for _, c := range b.contacts(country, false) {
		if !c.Emergency {
			out = append(out, c)
		}
	}
	return out
}

// contacts lists contacts for country ("" for all) in article order, the
// emergency article first, de-duplicated.
func (b *Base) contacts(country string, emergencyOnly bool) []Contact {
	ordered := b.articles
	if e := b.byID[EmergencyArticleID]; e != nil {
		ordered = append([]*Article{e}, slices.DeleteFunc(slices.Clone(b.articles), func(a *Article) bool { return a == e })...)
	}
	var out []Contact
	seen := map[string]bool{}
	for _, a := range ordered {
		for _, c := range a.Contacts {
			if emergencyOnly && !c.Emergency || country != "" && !strings.EqualFold(c.Country, country) {
				continue
			}
			k := strings.Join([]string{c.Country, c.Name["en"], c.Phone, c.Link, c.Address}, "\x00")
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}
