package crisis

import (
	"testing"
	"unicode/utf8"
)

// FuzzDetect checks that Detect never panics and keeps its promises on
// any input.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"ນາຍຈ້າງຕີຂ້ອຍ", "นายจ้างยึดพาสปอร์ต", "my boss took my passport", "bo hai ork",
		"ໍ່າ", "์", "ห", "อย่า", "\xff", "'", "ຕີ 5", "ມາເລ", "^ໄທ$", "|<ເ", "a\u0301b", "",
	} {
		f.Add(s)
	}
	d := New()
	valid := map[string]bool{"": true}
	for _, c := range countryCodes {
		valid[c] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := d.Detect(s)
		if got.Crisis != (len(got.Categories) > 0) {
			t.Fatalf("Crisis %v with categories %v", got.Crisis, got.Categories)
		}
		if got.Urgent && !got.Crisis {
			t.Fatalf("Urgent without a crisis")
		}
		if !valid[got.Country] {
			t.Fatalf("country %q", got.Country)
		}
		if utf8.ValidString(s) && len(s) < 2000 {
			// Detect reads the whole of a short message: the same text
			// twice finds at least as much.
			twice := d.Detect(s + "\n" + s)
			for _, c := range got.Categories {
				found := false
				for _, c2 := range twice.Categories {
					found = found || c2 == c
				}
				if !found {
					t.Fatalf("%q finds %v but twice finds %v", s, got.Categories, twice.Categories)
				}
			}
		}
	})
}
