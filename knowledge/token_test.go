package knowledge

import (
	"slices"
	"strings"
	"testing"
)

// keys analyses s (normalising it first) and renders its term keys, with
// Lao bytes shown as Lao letters again.
func keys(s string, pairs bool) []string {
	var a analyzer
	a.reset()
	a.add(Normalize(s), pairs)
	var out []string
	for _, t := range a.terms {
		k := a.key(t)
		switch k[0] {
		case kindLaoBigram, kindLaoUnigram, kindThaiBigram, kindThaiUnigram:
			var b strings.Builder
			b.WriteByte(k[0])
			b.WriteByte(':')
			for _, c := range k[1:] {
				b.WriteRune(0x0E80 + rune(c))
			}
			out = append(out, b.String())
		default:
			out = append(out, string(k[:1])+":"+string(k[1:]))
		}
	}
	return out
}

func TestSkeleton(t *testing.T) {
	groups := [][]string{
		{"sabaidee", "sabaidi", "sabaydee", "sabaidii"},
		{"ngern", "ngoen", "ngeun", "ngen", "nguen"},
		{"duean", "deuan", "duan", "dueun"},
		{"khop", "kop", "khob", "khopp"},
		{"jai", "chai", "jay"},
		{"passport", "passpot", "paspot"},
		{"visa", "wisa", "viza"},
		{"khaojang", "kaojang", "kaochang"},
		{"khao", "khaw", "kau"},
		{"laeo", "leo", "laew"},
		{"khoy", "koy", "khoi"},
	}
	for _, g := range groups {
		want := string(skeleton(nil, []byte(g[0])))
		for _, w := range g[1:] {
			if got := string(skeleton(nil, []byte(w))); got != want {
				t.Errorf("skeleton(%q) = %q, want %q (as %q)", w, got, want, g[0])
			}
		}
	}
	distinct := []string{"ngern", "dee", "pai", "ban", "maa", "hong", "kan", "jai", "jao", "khao", "khai"}
	seen := map[string]string{}
	for _, w := range distinct {
		k := string(skeleton(nil, []byte(w)))
		if other, ok := seen[k]; ok {
			t.Errorf("%q and %q share skeleton %q", w, other, k)
		}
		seen[k] = w
	}
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		pairs bool
		want  []string
	}{
		{"english", "My unpaid wages", false, []string{"w:unpaid", "s:anpit", "w:wage", "s:waka"}},
		{"digits", "call 1300", false, []string{"w:call", "s:kal", "w:1300"}},
		{"pairs", "khop jai", true, []string{"w:khop", "s:kap", "w:jai", "s:ji", "s:kapji", "s:kapji"}},
		{"lao bigrams", "ເງິນ", false, []string{"b:ເງິ", "b:ງິນ"}},
		{"lao unigram", "ໜີ້", false, []string{"u:ໜີ"}},
		{"lao tones dropped", "ບໍ່ໄດ້", false, []string{"b:ບໍໄ", "b:ໄດ"}},
		{"thai folds to lao", "เงิน", false, []string{"B:ເງິ", "B:ງິນ"}},
		{"thai ho digraph", "หนี้", false, []string{"U:ໜີ"}},
		{"thai silent letter", "สัปดาห์", false, []string{"B:ສັປ", "B:ປດ", "B:ດາ"}},
		{"thai mai taikhu", "เป็น", false, []string{"B:ເປັ", "B:ປັນ"}},
		{"thai and lao runs split", "ເງິນเงิน", false, []string{"b:ເງິ", "b:ງິນ", "B:ເງິ", "B:ງິນ"}},
		{"scripts split", "ເງິນ300ບາດ", false, []string{"b:ເງິ", "b:ງິນ", "w:300", "b:ບາ", "b:າດ"}},
		{"punctuation only", "?!… ,", false, nil},
		{"stop words only", "how do I", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keys(tt.in, tt.pairs)
			if !slices.Equal(got, tt.want) {
				t.Errorf("keys(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestThaiLaoShareKeys(t *testing.T) {
	pairs := [][2]string{
		{"เงินเดือน", "ເງິນເດືອນ"},
		{"ค่าจ้าง", "ຄ່າຈ້າງ"},
		{"นายจ้าง", "ນາຍຈ້າງ"},
	}
	for _, p := range pairs {
		th, lo := keys(p[0], false), keys(p[1], false)
		for i := range th {
			th[i] = strings.ToLower(th[i][:1]) + th[i][1:] // B → b: same folded text
		}
		if !slices.Equal(th, lo) {
			t.Errorf("%s → %q, %s → %q", p[0], th, p[1], lo)
		}
	}
}

func TestPhraseKeys(t *testing.T) {
	key := func(s string, skel bool) string {
		var a analyzer
		a.reset()
		a.add(Normalize(s), true)
		return string(a.phraseKey(nil, 0, len(a.ptoks), skel))
	}
	same := [][2]string{
		{"ສົ່ງເງິນ ກັບບ້ານ", "ສົ່ງເງິນກັບບ້ານ"}, // spaces do not matter
		{"ໂອນເງິນ", "โอนเงิน"},                  // nor the script
		{"Kuala  Lumpur", "kuala lumpur"},
	}
	for _, p := range same {
		if a, b := key(p[0], false), key(p[1], false); a != b {
			t.Errorf("phrase keys differ: %q %q", p[0], p[1])
		}
	}
	if key("song ngern", true) != key("song ngoen", true) || key("song ngern", false) == key("song ngoen", false) {
		t.Error("skeleton phrase keys")
	}
}
