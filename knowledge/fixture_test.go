package knowledge

import (
	"encoding/json"
	"testing"
	"testing/fstest"
)

// Throwaway articles for tests. Contacts carry obviously fake numbers.
func testArticles() []*Article {
	src := []Source{{Title: "Test source", Org: "Test org"}}
	return []*Article{
		{
			ID: "unpaid-wages", Category: "rights", Audience: []string{"abroad"}, Countries: []string{"ALL"},
			Lang: map[string]*Text{
				"lo": {Title: "ບໍ່ໄດ້ຮັບເງິນເດືອນ", Summary: "ຖ້ານາຍຈ້າງບໍ່ຈ່າຍຄ່າຈ້າງ ໃຫ້ຈົດບັນທຶກວັນເຮັດວຽກ ແລະ ຂໍຄວາມຊ່ວຍເຫຼືອ.", Body: "ເກັບສັນຍາ ແລະ ໃບຈ່າຍເງິນໄວ້.\n\nຕິດຕໍ່ສູນຊ່ວຍເຫຼືອແຮງງານ.", Keywords: []string{"ເງິນເດືອນ", "ຄ່າຈ້າງ", "ngern duean", "kha jang"}},
				"th": {Title: "ไม่ได้รับค่าจ้าง", Summary: "ถ้านายจ้างไม่จ่ายค่าจ้าง ให้จดวันทำงานและขอความช่วยเหลือ", Body: "เก็บสัญญาและสลิปเงินเดือนไว้", Keywords: []string{"เงินเดือน", "ค่าจ้าง"}},
				"en": {Title: "Unpaid wages", Summary: "If your employer does not pay you, write down the days you worked and ask for help.", Body: "Keep your contract and pay slips.\n\nContact a workers' help centre.", Keywords: []string{"salary", "wage", "not paid", "pay"}},
			},
			Sources: src, Reviewed: "2026-11-01", Related: []string{"emergency-help"},
		},
		{
			ID: "emergency-help", Category: "rights", Audience: []string{"all"}, Countries: []string{"ALL"},
			Lang: map[string]*Text{
				"lo": {Title: "ຄວາມຊ່ວຍເຫຼືອສຸກເສີນ", Summary: "ຖ້າທ່ານຢູ່ໃນອັນຕະລາຍ ໃຫ້ໂທຫາຕຳຫຼວດ.", Body: "ໂທຫາເບີສຸກເສີນ.", Keywords: []string{"ສຸກເສີນ", "ຕຳຫຼວດ", "ອັນຕະລາຍ", "suk soen"}},
				"th": {Title: "ความช่วยเหลือฉุกเฉิน", Summary: "ถ้าคุณอยู่ในอันตราย ให้โทรหาตำรวจ", Body: "โทรหาเบอร์ฉุกเฉิน", Keywords: []string{"ตำรวจ", "ฉุกเฉิน"}},
				"en": {Title: "Emergency help", Summary: "If you are in danger, call the police.", Body: "Call the emergency number.", Keywords: []string{"police", "danger", "emergency"}},
			},
			Contacts: []Contact{
				{Name: map[string]string{"en": "Test police LA"}, Phone: "000-LA", Country: "LA", Emergency: true, Source: "test", Helps: map[string]string{"en": "emergencies"}},
				{Name: map[string]string{"en": "Test hotline TH"}, Phone: "000-TH", Country: "TH", Emergency: true, Source: "test", Helps: map[string]string{"en": "emergencies"}},
				{Name: map[string]string{"en": "Test office TH"}, Link: "https://example.org", Country: "TH", Source: "test", Helps: map[string]string{"en": "labour complaints"}},
			},
			Sources: src, Reviewed: "2026-11-01",
		},
		{
			ID: "remittances", Category: "money", Audience: []string{"abroad"}, Countries: []string{"LA"},
			Lang: map[string]*Text{
				"lo": {Title: "ການສົ່ງເງິນກັບບ້ານ", Summary: "ສົ່ງເງິນກັບບ້ານຜ່ານທະນາຄານ ຫຼື ບໍລິສັດໂອນເງິນທີ່ຖືກກົດໝາຍ.", Body: "ປຽບທຽບຄ່າທຳນຽມກ່ອນສົ່ງເງິນ.", Keywords: []string{"ສົ່ງເງິນ", "ໂອນເງິນ", "song ngern"}},
				"en": {Title: "Sending money home", Summary: "Send money home through a bank or a licensed transfer company.", Body: "Compare fees before you send money.", Keywords: []string{"remittance", "transfer"}},
			},
			Contacts: []Contact{{Name: map[string]string{"en": "Test bank"}, Phone: "000-BANK", Country: "LA", Source: "test", Helps: map[string]string{"en": "transfers"}}},
			Sources:  src, Reviewed: "2026-11-01",
		},
		{
			ID: "lost-documents", Category: "money", Audience: []string{"abroad"}, Countries: []string{"ALL"},
			Lang: map[string]*Text{
				"lo": {Title: "ເສຍໜັງສືຜ່ານແດນ", Summary: "ຖ້າໜັງສືຜ່ານແດນເສຍ ໃຫ້ແຈ້ງຕຳຫຼວດ ແລະ ສະຖານທູດລາວ.", Body: "ເກັບສຳເນົາເອກະສານໄວ້.", Keywords: []string{"ໜັງສືຜ່ານແດນ", "ພາສປອດ", "passport", "nangsue phan daen"}},
				"th": {Title: "หนังสือเดินทางหาย", Summary: "ถ้าหนังสือเดินทางหาย ให้แจ้งตำรวจและสถานทูตลาว", Body: "เก็บสำเนาเอกสารไว้", Keywords: []string{"พาสปอร์ต"}},
				"en": {Title: "Lost passport or documents", Summary: "If you lose your passport, tell the police and the Lao embassy.", Body: "Keep copies of your documents.", Keywords: []string{"passport", "lost", "documents"}},
			},
			Sources: src, Reviewed: "2026-11-01",
		},
		{
			ID: "health-care", Category: "health", Audience: []string{"abroad"}, Countries: []string{"ALL"},
			Lang: map[string]*Text{
				"lo": {Title: "ການປິ່ນປົວສຸຂະພາບ", Summary: "ຖ້າເຈັບປ່ວຍ ໃຫ້ໄປໂຮງໝໍ.", Body: "ແຮງງານທີ່ມີປະກັນສັງຄົມສາມາດປິ່ນປົວໄດ້.", Keywords: []string{"ໂຮງໝໍ", "ເຈັບປ່ວຍ", "hong mo"}},
				"th": {Title: "การรักษาพยาบาล", Summary: "ถ้าเจ็บป่วย ให้ไปโรงพยาบาล", Body: "แรงงานที่มีประกันสังคมรักษาได้", Keywords: []string{"โรงพยาบาล", "หมอ"}},
				"en": {Title: "Health care", Summary: "If you are sick, go to a hospital.", Body: "Workers with social security can be treated.", Keywords: []string{"hospital", "sick", "doctor"}},
			},
			Sources: src, Reviewed: "2026-11-01",
		},
	}
}

// articleFS writes articles as <id>.json files.
func articleFS(t testing.TB, articles []*Article) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, a := range articles {
		data, err := json.MarshalIndent(a, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		fsys[a.ID+".json"] = &fstest.MapFile{Data: data}
	}
	return fsys
}

func testBase(t testing.TB) *Base {
	t.Helper()
	b, err := Load(articleFS(t, testArticles()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
