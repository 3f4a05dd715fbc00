package crisis

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// One detector for the package's tests: building it is the slow part.
var testDetector = sync.OnceValue(New)

func TestDetectCategoriesAndUrgency(t *testing.T) {
	d := testDetector()
	for _, tc := range []struct {
		text   string
		cats   []Category
		urgent bool
	}{
		// Lao.
		{"ນາຍຈ້າງຕີຂ້ອຍ", []Category{Violence}, false},
		{"ຊ່ວຍແດ່ ນາຍຈ້າງຕີຂ້ອຍ", []Category{Violence}, true},
		{"ນາຍຈາງຕີຂອຍ", []Category{Violence}, false},     // no tone marks
		{"ນາຍຈ້າງ ຕີ ຂ້ອຍ", []Category{Violence}, false}, // spaces between words
		{"ເຂົາລັອກປະຕູຂັງພວກເຮົາໄວ້", []Category{Confinement}, true},
		{"ເຂົາຍຶດພາສປອດຂ້ອຍໄວ້", []Category{DocumentsTaken}, false},
		{"ນາຍຈ້າງຍຶດพาสปอร์ตຂ້ອຍ", []Category{DocumentsTaken}, false}, // Lao and Thai in one word
		{"ເຮັດວຽກໃຊ້ໜີ້ນາຍໜ້າ", []Category{DebtBondage}, false},
		{"ເຂົາຈະຂ້າຂ້ອຍ", []Category{Threats}, false},
		{"ຢາກຕາຍ", []Category{SelfHarm}, true},
		{"ລູກເຖົ້າແກ່ຂົ່ມຂືນຂ້ອຍ", []Category{SexualAbuse}, false},
		{"ຖືກຂາຍມາຢູ່ມາເລ", []Category{Trafficking}, false},
		{"ເລືອດອອກຫຼາຍ", []Category{MedicalEmergency}, true},
		{"ຖືກ\u200bຂັງ", []Category{Confinement}, true}, // a zero-width space inside
		// Thai.
		{"นายจ้างยึดพาสปอร์ตไว้ไม่ยอมคืน", []Category{DocumentsTaken}, false},
		{"โดนเถ้าแก่ตีทุกวัน", []Category{Violence}, false},
		{"ไม่อยากมีชีวิตอยู่แล้ว", []Category{SelfHarm}, true},
		{"ถูกหลอกมาทำงาน", []Category{Trafficking}, false},
		// English.
		{"my boss took my passport", []Category{DocumentsTaken}, false},
		{"they locked us in, please help", []Category{Confinement}, true},
		{"I owe the broker 20000 baht and he says I must work until it is paid", []Category{DebtBondage}, false},
		{"he raped me", []Category{SexualAbuse}, false},
		{"my boss threatened to kill me", []Category{Threats}, false},
		{"I want to kill myself", []Category{SelfHarm}, true},
		{"husband beat me right now", []Category{Violence}, true},
		// Romanised Lao, spaced or joined.
		{"nai jang ti khoy", []Category{Violence}, false},
		{"naijang tikhoy", []Category{Violence}, false},
		{"bo hai ork", []Category{Confinement}, true},
		{"bohaiork", []Category{Confinement}, true},
		{"thaokae yued passport", []Category{DocumentsTaken}, false},
		{"kha tua tai", []Category{SelfHarm}, true},
		{"khom khuen", []Category{SexualAbuse}, false},
		// Several at once, in Category order.
		{"ນາຍຈ້າງຕີຂ້ອຍ ແລ້ວຍຶດພາສປອດ", []Category{Violence, DocumentsTaken}, false},
		// Ordinary messages sharing words with crises.
		{"how do i renew my passport", nil, false},
		{"what are the rules about passports in thailand", nil, false},
		{"how much is the recruitment fee", nil, false},
		{"ສົ່ງເງິນກັບບ້ານແນວໃດ", nil, false},
		{"ເຂົ້າວຽກຕີ 5 ເລີກ 5 ໂມງແລງ", nil, false}, // ຕີ 5 is 5 a.m.
		{"ลูกเจ็บตีน", nil, false},                 // ตีน, foot
		{"ລູກເຈັບຕີນ", nil, false},
		{"ຕີລາຄາລົດເທົ່າໃດ", nil, false},
		{"ໝູ່ຖືກລັອດເຕີຣີ", nil, false},
		{"ຂາຂ້ອຍເຈັບ", nil, false},         // ຂາ (leg), not ຂ້າ (kill)
		{"ຈະຂາຍລົດ", nil, false},           // ຈະຂາຍ (will sell), not ຈະຂ້າ
		{"ค่านายหน้าเท่าไหร่", nil, false}, // ค่า (fee), not ฆ่า (kill)
		{"ຕິດໜີ້ທະນາຄານ ຈ່າຍແນວໃດ", nil, false},
		// Someone owing the writer is unpaid wages, not debt bondage; the
		// writer owing the boss still is.
		{"my boss owes me money", nil, false},
		{"ນາຍຈ້າງຕິດໜີ້ເງິນເດືອນຂ້ອຍ", nil, false},
		{"ເຖົ້າແກ່ຕິດຄ່າແຮງຂ້ອຍ 3 ເດືອນ", nil, false},
		{"นายจ้างติดหนี้เงินเดือนฉัน", nil, false},
		{"ນາຍຈ້າງບອກວ່າຂ້ອຍຕິດໜີ້ ຕ້ອງເຮັດວຽກຕໍ່", []Category{DebtBondage}, false},
		{"ນາຍຈ້າງຕິດໜີ້ຂ້ອຍ", nil, false},
		{"ນາຍຈ້າງຕິດເງິນເດືອນຂ້ອຍສາມເດືອນແລ້ວ", nil, false},
		{"นายจ้างติดหนี้ค่าแรงหนู", nil, false}, // Thai guards hold for Lao entries folded alike, and the reverse
		{"nai jang tid nee khoy", nil, false},
		{"ຂ້ອຍຕິດໜີ້ນາຍຈ້າງ", []Category{DebtBondage}, false},
		{"thao kae bok wa khoy tid nee bo hai ork", []Category{Confinement, DebtBondage}, true},
		// The boss who ran away is not the writer who cannot.
		{"ໂຮງງານປິດ ເຖົ້າແກ່ໜີ ບໍ່ໄດ້ຄ່າແຮງ", nil, false},
		{"นายจ้างหนี ไม่ได้ค่าแรง", nil, false},
		{"ນາຍຈ້າງໜີ ຂ້ອຍອອກຈາກໂຮງງານບໍ່ໄດ້", []Category{Confinement}, true},
		{"ເກັບເງິນໄວ້ຕໍ່ພາສປອດ", nil, false},
		{"ເບິ່ງບານ ລາວເຕະກັບໄທ", nil, false},
		{"i'm dying to go home", nil, false},
		{"khit hod ban ja tai laew", nil, false},
		{"", nil, false},
	} {
		got := d.Detect(tc.text)
		if !slices.Equal(got.Categories, tc.cats) || got.Crisis != (len(tc.cats) > 0) || got.Urgent != tc.urgent {
			t.Errorf("Detect(%q) = %+v, want categories %v, urgent %v", tc.text, got, tc.cats, tc.urgent)
		}
	}
}

func TestCountry(t *testing.T) {
	d := testDetector()
	for _, tc := range []struct{ text, want string }{
		{"ຂ້ອຍຢູ່ໄທ ນາຍຈ້າງຕີຂ້ອຍ", "TH"},
		{"ຢູ່ ໄທ", "TH"},
		{"ໄທ", "TH"},
		{"ขอความช่วยเหลือ อยู่กรุงเทพ", "TH"},
		{"khoy yu thai", "TH"},
		{"i work in thailand", "TH"},
		{"ຢູ່ເກົາຫຼີ ບອສຕີຂ້ອຍ", "KR"},
		{"yu kaoli", "KR"},
		{"in korea now", "KR"},
		{"ຖືກຂາຍມາຢູ່ມາເລ", "MY"},
		{"เพื่อนถูกขายไปมาเลเซีย", "MY"},
		{"sold to a boss in johor", "MY"},
		{"ຂ້ອຍຢູ່ຍີ່ປຸ່ນ", "JP"},
		{"ญี่ปุ่น", "JP"},
		{"yak pai yipun", "JP"},
		{"ກັບມາຢູ່ປະເທດລາວແລ້ວ", "LA"},
		{"back in laos now", "LA"},
		// Where the writer is beats where they come from or go back to.
		{"ຂ້ອຍຢູ່ໄທ ຢາກກັບລາວ", "TH"},
		{"i am from laos, now in japan", "JP"},
		// ໄທ inside other words, ລາວ as "he/she", ມາເລີຍ and มาเลย.
		{"ຂ້ອຍເປັນຄົນໄທດຳ ຢູ່ແຂວງຫົວພັນ", ""},
		{"ໄທບ້ານເວົ້າວ່າ", ""},
		{"ຜູ້ໄທ", ""},
		{"ເມຍລາວຕີຂ້ອຍ", ""},
		{"ບໍ່ມາເລີຍຈັກເທື່ອ", ""},
		{"มาเลย", ""},
		{"nothing here", ""},
	} {
		if got := d.Detect(tc.text).Country; got != tc.want {
			t.Errorf("Detect(%q).Country = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestRomanKey(t *testing.T) {
	key := func(s string) string { return string(romanKey(nil, []byte(s))) }
	for _, group := range [][]string{
		{"khoy", "khoi", "koy", "koi"},
		{"ork", "awk", "ok"},
		{"yued", "yuet"},
		{"nee", "ni"},
		{"jang", "chang", "jaang"},
		{"sivit", "xivit", "sivid", "seevit"},
		{"bohaiork", "bohaiok", "borhaiork"},
	} {
		for _, w := range group[1:] {
			if key(w) != key(group[0]) {
				t.Errorf("romanKey(%q) = %q, romanKey(%q) = %q: want equal", w, key(w), group[0], key(group[0]))
			}
		}
	}
	// Kept apart: ti (ຕີ, hit) and thi (ທີ່, at); tai (ຕາຍ, die) and thai.
	for _, pair := range [][2]string{{"ti", "thi"}, {"tai", "thai"}} {
		if key(pair[0]) == key(pair[1]) {
			t.Errorf("romanKey(%q) == romanKey(%q)", pair[0], pair[1])
		}
	}
}

func TestDetectLongAndOddInput(t *testing.T) {
	d := testDetector()
	filler := strings.Repeat("ມື້ນີ້ອາກາດດີ ໄປຕະຫຼາດຊື້ຜັກ ", 40)
	// The danger in the middle of a long message is found.
	if got := d.Detect(filler + "ນາຍຈ້າງຍຶດພາສປອດຂ້ອຍໄວ້ " + filler); !slices.Contains(got.Categories, DocumentsTaken) {
		t.Errorf("danger in the middle of a long message: got %+v", got)
	}
	// Past MaxRunes a message is not read.
	if got := d.Detect(strings.Repeat("ກ", MaxRunes) + "ຢາກຕາຍ"); got.Crisis {
		t.Errorf("text past MaxRunes was read: %+v", got)
	}
	for _, s := range []string{"\xff\xfe", "ໍ່່່າ", "์์์", "'''", "ๆๆๆ", strings.Repeat("a", 100000), "ຫ", "ห", "อ", "_", " "} {
		d.Detect(s)
	}
}

func TestDetectConcurrent(t *testing.T) {
	d := testDetector()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				if got := d.Detect("ນາຍຈ້າງຕີຂ້ອຍ"); !got.Crisis {
					t.Errorf("goroutine %d: missed", i)
					return
				}
				if got := d.Detect("how do i renew my passport"); got.Crisis {
					t.Errorf("goroutine %d: false alarm", i)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestAutomatonSize(t *testing.T) {
	total := 0
	for _, a := range testDetector().auto {
		_, n := a.size()
		total += n
	}
	t.Logf("goto tables: %d KB", total/1024)
	if total > 4<<20 {
		t.Errorf("goto tables take %d bytes; keep the lexicon's automaton small", total)
	}
}
