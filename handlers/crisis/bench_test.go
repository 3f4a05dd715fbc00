package crisis

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// benchLao is a 200-character Lao message, the danger in the middle.
func benchLao() string {
	s := "ສະບາຍດີເອື້ອຍ ຂ້ອຍມາເຮັດວຽກຢູ່ໄທໄດ້3ເດືອນແລ້ວ ຢູ່ສວນຢາງພາລາ ວຽກໜັກແຕ່ກໍ່ອົດໄດ້ " +
		"ແຕ່ວ່ານາຍຈ້າງເກັບບັດຂ້ອຍໄວ້ໝົດເລີຍ ທັງພາສປອດທັງບັດຊົມພູ ບອກວ່າຖ້າຢາກໄດ້ຄືນຕ້ອງຈ່າຍ20000 " +
		"ຂ້ອຍບໍ່ມີເງິນ ແມ່ກໍ່ບໍ່ສະບາຍຢູ່ບ້ານ ຄິດຮອດລູກນຳ ບໍ່ຮູ້ຈະເຮັດແນວໃດ"
	r := []rune(s)
	return string(r[:200])
}

func BenchmarkDetect(b *testing.B) {
	d := New()
	lao := benchLao()
	long := strings.Repeat(lao+" my boss took my passport, nai jang ti khoy. ", 200)
	long = long[:16<<10]
	for !utf8.ValidString(long) {
		long = long[:len(long)-1]
	}
	for _, bc := range []struct{ name, text string }{
		{"lao200", lao},
		{"mixed16KB", long},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if !d.Detect(bc.text).Crisis {
				b.Fatal("benchmark message not detected")
			}
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				d.Detect(bc.text)
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New()
	}
}
