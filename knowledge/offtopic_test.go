package knowledge

import "testing"

// offTopic are questions the knowledge base does not answer, the way
// people type them. Search should not be confident about any of them.
var offTopic = []EvalCase{
	{Q: "what is the weather tomorrow", Lang: "en"},
	{Q: "who won the football match last night", Lang: "en"},
	{Q: "how do i cook sticky rice", Lang: "en"},
	{Q: "recommend a good movie", Lang: "en"},
	{Q: "tell me a joke", Lang: "en"},
	{Q: "how tall is mount everest", Lang: "en"},
	{Q: "ມື້ນີ້ອາກາດເປັນແນວໃດ", Lang: "lo"},
	{Q: "ເຮັດເຂົ້າໜຽວແນວໃດ", Lang: "lo"},
	{Q: "ບານເຕະມື້ຄືນນີ້ໃຜຊະນະ", Lang: "lo"},
	{Q: "ເພງໃໝ່ຂອງໃຜມ່ວນ", Lang: "lo"},
	{Q: "ຂ້ອຍຮັກເຈົ້າ", Lang: "lo"},
	{Q: "ລາຄາລົດຈັກໃໝ່ເທົ່າໃດ", Lang: "lo"},
	{Q: "พรุ่งนี้ฝนจะตกไหม", Lang: "th"},
	{Q: "ทำส้มตำยังไง", Lang: "th"},
	{Q: "ฟุตบอลคืนนี้ใครชนะ", Lang: "th"},
	{Q: "หนังเรื่องไหนสนุก", Lang: "th"},
	{Q: "khoy hak jao", Lang: "lo-Latn"},
	{Q: "mue ni fon tok bo", Lang: "lo-Latn"},
	{Q: "het khao niao jang dai", Lang: "lo-Latn"},
}

// TestOffTopic reports how often Search is confident about a question the
// knowledge base does not answer, and fails above one in five.
func TestOffTopic(t *testing.T) {
	b := embeddedOrSkip(t)
	confident := 0
	for _, c := range offTopic {
		res := b.Search(c.Q, c.Lang, 1)
		if len(res) > 0 && res[0].Confident {
			confident++
			t.Logf("confident: %s %q → %s %.3f", c.Lang, c.Q, res[0].ID, res[0].Score)
		} else if len(res) > 0 {
			t.Logf("not sure:  %s %q → %s %.3f", c.Lang, c.Q, res[0].ID, res[0].Score)
		}
	}
	rate := float64(confident) / float64(len(offTopic))
	t.Logf("confident on %d of %d off-topic questions (%.2f)", confident, len(offTopic), rate)
	if rate > 0.2 {
		t.Errorf("confident on %.2f of off-topic questions", rate)
	}
}
