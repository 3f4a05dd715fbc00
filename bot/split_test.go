package bot

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	lao := strings.Repeat("ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນໃຫ້ຂ້ອຍສາມເດືອນແລ້ວ ", 300)   // no sentence marks, spaces between phrases
	solid := strings.Repeat("ຂ້ອຍຢາກກັບບ້ານແຕ່ນາຍຈ້າງເກັບໜັງສືຜ່ານແດນໄວ້", 200) // no space at all
	paras := strings.Repeat("First paragraph line.\n\nSecond paragraph.\n", 400)
	for name, tc := range map[string]struct {
		text  string
		limit int
	}{
		"lao phrases": {lao, 4096},
		"lao solid":   {solid, 2000},
		"paragraphs":  {paras, 4096},
		"thai":        {strings.Repeat("นายจ้างไม่จ่ายค่าจ้าง ", 500), 2000},
		"short":       {"ສະບາຍດີ", 4096},
	} {
		t.Run(name, func(t *testing.T) {
			parts := SplitText(tc.text, tc.limit)
			var joined []rune
			for i, p := range parts {
				r := []rune(p)
				if len(r) > tc.limit {
					t.Fatalf("part %d has %d characters, limit %d", i, len(r), tc.limit)
				}
				if !utf8.ValidString(p) {
					t.Fatalf("part %d is not valid UTF-8", i)
				}
				if i > 0 && unicode.Is(unicode.Mn, r[0]) {
					t.Fatalf("part %d starts with a combining mark %U: a cluster was broken", i, r[0])
				}
				if i < len(parts)-1 && isLeadingVowel(r[len(r)-1]) {
					t.Fatalf("part %d ends with a leading vowel", i)
				}
				joined = append(joined, r...)
			}
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if strip(string(joined)) != strip(tc.text) {
				t.Fatal("text was lost or changed by splitting")
			}
		})
	}
}

func TestSplitPrefersParagraphs(t *testing.T) {
	text := strings.Repeat("a", 60) + "\n\n" + strings.Repeat("b", 30) + " " + strings.Repeat("c", 20)
	parts := SplitText(text, 100)
	if len(parts) != 2 || parts[0] != strings.Repeat("a", 60) {
		t.Fatalf("parts %q", parts)
	}
}

func TestCutLabel(t *testing.T) {
	if got := CutLabel("Help", 20); got != "Help" {
		t.Errorf("short label changed to %q", got)
	}
	for _, in := range []string{"ເຮັດວຽກຢູ່ຕ່າງປະເທດ ແລະ ກັບບ້ານ", "ກຳລັງຈະໄປເຮັດວຽກຢູ່ເກົາຫຼີ", "ทำงานอยู่ต่างประเทศแล้วกลับบ้าน"} {
		got := CutLabel(in, 20)
		r := []rune(got)
		if len(r) > 20 || !strings.HasSuffix(got, "…") {
			t.Fatalf("CutLabel(%q) = %q", in, got)
		}
		kept := strings.TrimSuffix(got, "…")
		if !strings.HasPrefix(in, kept) {
			t.Fatalf("CutLabel(%q) = %q is not a prefix", in, got)
		}
		if next, _ := utf8.DecodeRuneInString(in[len(kept):]); isClusterMark(next) {
			t.Errorf("CutLabel(%q) = %q leaves the mark %U of its last letter behind", in, got, next)
		}
		if k := []rune(kept); isLeadingVowel(k[len(k)-1]) {
			t.Errorf("CutLabel(%q) = %q ends with a leading vowel", in, got)
		}
	}
}
