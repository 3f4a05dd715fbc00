package knowledge

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"latin lower", "Hello WORLD", "hello world"},
		{"invisibles", "a\u200bb\u200cc\u200dd\u2060e\u00adf\ufeffg", "abcdefg"},
		{"nfc", "e\u0301", "\u00e9"},
		{"nfc after strip", "e\u200d\u0301", "\u00e9"},
		{"kelvin", "\u212a", "k"},
		{"lao digits", "໐໑໒໓໔໕໖໗໘໙", "0123456789"},
		{"thai digits", "๐๑๒๓๔๕๖๗๘๙", "0123456789"},
		{"lao am", "ກ\u0ecd\u0eb2", "ກຳ"},
		{"lao am with tone", "ກ\u0ecd\u0ec8\u0eb2", "ກ\u0ec8ຳ"},
		{"lao am tone first", "ກ\u0ec8\u0ecd\u0eb2", "ກ\u0ec8ຳ"},
		{"lao tone after am", "ກຳ\u0ec9", "ກ\u0ec9ຳ"},
		{"lao niggahita, aa, tone", "ກ\u0ecd\u0eb2\u0ec9", "ກ\u0ec9ຳ"},
		{"thai am", "ก\u0e4d\u0e32", "กำ"},
		{"thai am with tone", "น\u0e4d\u0e49\u0e32", "น\u0e49ำ"},
		{"thai tone after am", "นำ\u0e49", "น\u0e49ำ"},
		{"lao hn", "ຫນີ້", "ໜີ້"},
		{"lao hm", "ຫມາ", "ໝາ"},
		{"lao hl", "ຫລາຍ", "ຫຼາຍ"},
		{"lao hl with marks", "ຫລີ", "ຫຼີ"},
		{"lao no digraph across mark", "ຫ\u0ec8ນ", "ຫ\u0ec8ນ"},
		{"lao tone before upper vowel", "ກ\u0ec8\u0eb4ນ", "ກ\u0eb4\u0ec8ນ"},
		{"lao tone before upper vowel (ເຖິງ)", "ເຖ\u0ec9\u0eb4ງ", "ເຖ\u0eb4\u0ec9ງ"},
		{"thai tone before upper vowel", "ท\u0e48\u0e35", "ท\u0e35\u0e48"},
		{"thai below vowel order", "ท\u0e48\u0e39", "ท\u0e39\u0e48"},
		{"lao already fine", "ສະບາຍດີ ບໍ່", "ສະບາຍດີ ບໍ່"},
		{"orphan niggahita", "\u0ecd\u0eb2", "ຳ"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"mixed", "ເງິນເດືອນ 300 ບາດ Salary", "ເງິນເດືອນ 300 ບາດ salary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("not idempotent: %+q → %+q", got, again)
			}
		})
	}
}

func TestIsTaiMark(t *testing.T) {
	for r := rune(0x0E00); r <= 0x0EFF; r++ {
		if got, want := isTaiMark(r), unicode.Is(unicode.Mn, r); got != want {
			t.Errorf("isTaiMark(%U) = %v, want %v", r, got, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "Hello", "ສະບາຍດີ", "ຫນີ້ສິນ", "ກ\u0ec8\u0ecd\u0eb2", "น\u0e4d\u0e49\u0e32", "ท\u0e48\u0e35",
		"ເງິນເດືອນ 300", "a\xffb", "e\u200d\u0301", "ກ\u0ec8\u0eb4\u0eb8", "ຳ\u0ec8\u0eb8", "\u212a\u0301",
		"ก\u0e48\u0e38\u0ec8\u0eb4", "ຫລ\u0eb4\u0ec8", "e\u0ec8\u0323\u0eb4", "\u0eb8\u0e38\u0e48\u0ec8",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Normalize(%+q) = %+q: invalid UTF-8", s, got)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("Normalize(%+q) = %+q: not NFC", s, got)
		}
		if again := Normalize(got); again != got {
			t.Fatalf("not idempotent: %+q → %+q → %+q", s, got, again)
		}
	})
}
