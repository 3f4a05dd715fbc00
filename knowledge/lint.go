package knowledge

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem is one finding of Lint.
type Problem struct {
	ArticleID string
	Severity  string // SeverityError, SeverityConfirm or SeverityWarning
	Message   string
}

// Severities of a Problem.
const (
	// SeverityError must be fixed: `phuan kb lint` exits 1.
	SeverityError = "error"
	// SeverityConfirm is a statement or contact a deployer must check before
	// going live.
	SeverityConfirm = "confirm"
	// SeverityWarning is worth a look.
	SeverityWarning = "warning"
)

// MaxSummaryRunes is the longest summary: it must fit one chat message.
const MaxSummaryRunes = 600

var (
	validID        = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	validAudiences = []string{"abroad", "planning", "returned", "all"}
	validCountries = []string{"TH", "KR", "MY", "JP", "LA", "ALL"}
	validLangs     = []string{LangLao, LangThai, LangEnglish}
)

// Lint checks every loaded article: what Load accepts but the bot must not
// show (missing languages, over-long summaries, broken links, unsourced
// contacts…), and, as SeverityConfirm, every Confirm entry and every
// contact marked Confirm. Problems come in file order.
func (b *Base) Lint() []Problem {
	var ps []Problem
	files := map[string]string{} // id → first file
	for _, e := range b.entries {
		a := e.article
		add := func(sev, format string, args ...any) {
			ps = append(ps, Problem{ArticleID: a.ID, Severity: sev, Message: fmt.Sprintf(format, args...)})
		}
		where := e.file
		if where == "" {
			where = "article " + a.ID
		}
		if first, dup := files[a.ID]; dup {
			add(SeverityError, "duplicate id %q: in %s and %s", a.ID, first, where)
			continue
		}
		files[a.ID] = where
		if !validID.MatchString(a.ID) {
			add(SeverityError, "id %q: use lower-case a-z, 0-9 and single '-'", a.ID)
		}
		if e.file != "" && e.file != a.ID+".json" {
			add(SeverityError, "file %s holds id %q: name it %s.json", e.file, a.ID, a.ID)
		}
		lintMeta(a, add)
		lintTexts(a, add)
		for _, r := range a.Related {
			switch {
			case r == a.ID:
				add(SeverityWarning, "related: links to itself")
			case b.byID[r] == nil:
				add(SeverityError, "related: no article %q", r)
			}
		}
		lintContacts(a, add)
		for _, c := range a.Confirm {
			add(SeverityConfirm, "%s", c)
		}
	}
	return ps
}

func lintMeta(a *Article, add func(sev, format string, args ...any)) {
	if !slices.Contains(categoryOrder[:], a.Category) {
		add(SeverityError, "category %q: want one of %s", a.Category, strings.Join(categoryOrder[:], ", "))
	}
	if len(a.Audience) == 0 {
		add(SeverityError, "audience: none given")
	}
	for _, x := range a.Audience {
		if !slices.Contains(validAudiences, x) {
			add(SeverityError, "audience %q: want one of %s", x, strings.Join(validAudiences, ", "))
		}
	}
	if len(a.Countries) == 0 {
		add(SeverityError, "countries: none given")
	}
	for _, x := range a.Countries {
		if !slices.Contains(validCountries, x) {
			add(SeverityError, "country %q: want one of %s", x, strings.Join(validCountries, ", "))
		}
	}
	if len(a.Sources) == 0 {
		add(SeverityError, "sources: none given")
	}
	for i, s := range a.Sources {
		if strings.TrimSpace(s.Title) == "" {
			add(SeverityError, "source %d: no title", i+1)
		}
		if s.Link != "" && !isLink(s.Link) {
			add(SeverityWarning, "source %d: link %q is not an http(s), mailto: or tel: address", i+1, s.Link)
		}
	}
	if _, err := time.Parse(time.DateOnly, a.Reviewed); err != nil {
		add(SeverityError, "reviewed %q: want a date YYYY-MM-DD", a.Reviewed)
	}
}

// needsThai reports whether people in Thailand need the article: it applies
// to Thailand (or everywhere) and to people abroad or planning to go.
func needsThai(a *Article) bool {
	inTH := slices.Contains(a.Countries, "TH") || slices.Contains(a.Countries, "ALL")
	abroad := slices.ContainsFunc(a.Audience, func(x string) bool { return x == "abroad" || x == "planning" || x == "all" })
	return inTH && abroad
}

func lintTexts(a *Article, add func(sev, format string, args ...any)) {
	for _, l := range []string{LangLao, LangEnglish} {
		if a.Lang[l] == nil {
			add(SeverityError, "%s: missing (Lao and English are required)", l)
		}
	}
	if a.Lang[LangThai] == nil && needsThai(a) {
		add(SeverityError, "th: missing (required for articles for people in Thailand)")
	}
	langs := make([]string, 0, len(a.Lang))
	for l := range a.Lang {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		t := a.Lang[l]
		if !slices.Contains(validLangs, l) {
			add(SeverityWarning, "%s: unknown language (the bot speaks lo, th, en)", l)
		}
		if t == nil {
			continue
		}
		if strings.TrimSpace(t.Title) == "" {
			add(SeverityError, "%s: empty title", l)
		}
		if strings.TrimSpace(t.Summary) == "" {
			add(SeverityError, "%s: empty summary", l)
		}
		if n := utf8.RuneCountInString(t.Summary); n > MaxSummaryRunes {
			add(SeverityError, "%s: summary has %d characters, at most %d fit one message", l, n, MaxSummaryRunes)
		}
		if strings.TrimSpace(t.Body) == "" {
			add(SeverityError, "%s: empty body", l)
		}
		if len(t.Keywords) == 0 {
			add(SeverityWarning, "%s: no keywords", l)
		}
	}
}

func lintContacts(a *Article, add func(sev, format string, args ...any)) {
	for i, c := range a.Contacts {
		name := c.Name["en"]
		if name == "" {
			name = fmt.Sprintf("contact %d", i+1)
			add(SeverityError, "%s: no English name", name)
		}
		if strings.TrimSpace(c.Source) == "" {
			add(SeverityError, "%s: no source", name)
		}
		if c.Phone == "" && c.Address == "" && c.Link == "" {
			add(SeverityError, "%s: no phone, address or link", name)
		}
		if c.Link != "" && !isLink(c.Link) {
			add(SeverityWarning, "%s: link %q is not an http(s), mailto: or tel: address", name, c.Link)
		}
		if !slices.Contains(knownCountries[:], c.Country) {
			add(SeverityError, "%s: country %q, want one of %s", name, c.Country, strings.Join(knownCountries[:], ", "))
		}
		if len(c.Helps) == 0 {
			add(SeverityWarning, "%s: does not say what it helps with", name)
		}
		for _, k := range c.For {
			if !slices.Contains(CrisisKinds(), k) {
				add(SeverityError, "%s: for %q, want some of %s", name, k, strings.Join(CrisisKinds(), ", "))
			}
		}
		if c.Confirm {
			what := strings.TrimSpace(strings.Join([]string{c.Phone, c.Address, c.Link}, " "))
			add(SeverityConfirm, "contact %s (%s): check before going live", name, what)
		}
	}
}

// isLink reports whether s is an address a person can follow: a web page,
// an e-mail address or a phone number.
func isLink(s string) bool {
	for _, p := range []string{"https://", "http://", "mailto:", "tel:"} {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			return true
		}
	}
	return false
}
