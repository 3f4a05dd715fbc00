package handlers

import "testing"

func TestCatalogueIsCompleteInEveryLanguage(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cat.Check() {
		t.Error(p)
	}
}

func TestCatalogFallsBackAndFillsPlaceholders(t *testing.T) {
	cat := &Catalog{texts: map[string]map[string]string{
		"lo": {"a": "ລາວ {n}", "only_lo": "ມີແຕ່ລາວ"},
		"th": {"a": "ไทย {n}"},
		"en": {"a": "English {n}", "only_en": "english only"},
	}}
	if got := cat.T("th", "a", "n", "3"); got != "ไทย 3" {
		t.Errorf("got %q", got)
	}
	if got := cat.T("th", "only_lo"); got != "ມີແຕ່ລາວ" {
		t.Errorf("fallback to Lao: got %q", got)
	}
	if got := cat.T("th", "only_en"); got != "english only" {
		t.Errorf("fallback to English: got %q", got)
	}
	problems := cat.Check()
	if len(problems) != 3 { // only_lo missing in th and en; only_en not in lo
		t.Errorf("problems %v", problems)
	}
	cat.texts["th"]["a"] = "ไทย {m}"
	if len(cat.Check()) != 4 {
		t.Error("a different placeholder was not reported")
	}
}
