package crisis

// The lexicon: phrases per category and language, the cues of the
// co-occurrence rules, urgency and country cues. Lao and Thai entries go
// through the same folding as messages (tones ignored unless marked "=",
// Thai letters onto the Lao block), so a phrase needs no toneless or
// spaced variant; romanised entries fold through romanKey, so "khoy",
// "khoi" and "koy" are one entry. What folding cannot reach (ພາສປອດ and
// ພາດສະປອດ, "thuk" and "tuk") is listed.

// countryCodes are the countries Detection.Country names; index 0 is none.
var countryCodes = [...]string{"", "TH", "KR", "MY", "JP", "LA"}

const (
	ctyTH uint8 = iota + 1
	ctyKR
	ctyMY
	ctyJP
	ctyLA
)

// Who acts and who is acted on, for the violence rules and combos.
var (
	actorsLo = []string{
		"ຖືກ", "ໂດນ", "ນາຍຈ້າງ", "ເຖົ້າແກ່", "ເຖົ້າແກ", "ເຈົ້າຂອງ", "ຫົວໜ້າ", "ນາຍໜ້າ", "ບອສ", "ຍາມ",
		"ຜົວ", "ສາມີ", "ແຟນ", "ເມຍ", "=ເຂົາ", "ພວກເຂົາ", "ເພິ່ນ", "ມັນ", "ພໍ່ລ້ຽງ",
		"ถูก", "โดน", "นายจ้าง", "เถ้าแก่", "เจ้านาย", "เจ้าของ", "หัวหน้า", "นายหน้า", "บอส", "ยาม",
		"ผัว", "สามี", "แฟน", "เมีย", "=เขา", "พวกเขา", "มัน", "พวกมัน", "พ่อเลี้ยง",
	}
	// The people hit and body parts (not the shortest, ຕາ eye and ຂາ leg,
	// which are inside too many words). ລາວ is left out of the actors: it is
	// also Laos ("ລາວເຕະກັບໄທ", Laos plays Thailand).
	victimsLo = []string{
		"ຂ້ອຍ", "ເຮົາ", "ພວກເຮົາ", "ໜູ", "ລູກ", "ເມຍ", "ໝູ່", "ແມ່", "ນ້ອງ", "ເອື້ອຍ", "ຄົນງານ",
		"ໜ້າ", "ຫົວ", "ທ້ອງ", "ຫຼັງ", "ແຂນ", "ປາກ", "ແກ້ມ", "ໃສ່", "ຈົນ", "ແຮງ",
		"ທຸກມື້", "ທຸກເທື່ອ", "ທຸກຄືນ",
		"ฉัน", "หนู", "ผม", "เรา", "พวกเรา", "กู", "ข้อย", "ลูก", "เมีย", "เพื่อน", "แม่", "น้อง", "คนงาน",
		"หน้า", "หัว", "ท้อง", "หลัง", "แขน", "ปาก", "แก้ม", "ใส่", "จน", "แรง",
		"ทุกวัน", "ทุกคืน",
	}
	// Verbs of hitting. ຕີ and ตี are also the hours of the night (ຕີ 5,
	// 5 a.m.) and part of ຕີນ (foot), ຕີລາຄາ (appraise); ເຕະບານ is
	// football, ແທງຫວຍ a lottery bet, ລົດຖີບ a bicycle.
	//
	// Lao and Thai spell some verbs alike (ເຕະ, เตะ fold to the same
	// bytes), so their guards are shared.
	hitLo = []string{
		"ຕີ" + hourGuards, "ตี" + hourGuards,
		"ເຕະ|ບານ|บอล", "เตะ|บอล|ບານ", "ແທງ|ຫວຍ|ບານ|หวย|บอล", "แทง|หวย|บอล|ຫວຍ|ບານ",
		"ຖີບ|ລົດ|รถ|<ລົດ|<รถ|<ເ|<เ", "ถีบ|รถ|ລົດ|<ລົດ|<รถ|<ເ|<เ",
		"ທຳຮ້າຍ|ສຸຂະພາບ|สุขภาพ", "ทำร้าย|สุขภาพ|ສຸຂະພາບ",
		"ທຸບ", "ຕົບ|ມື", "ຊົກ|ມວຍ", "ຟາດ", "ດຶງຜົມ", "ຂ່ຽນ", "ຫວດ", "ສາດນ້ຳ", "ລວກ", "ຈີ່", "ຍິງປືນ", "ບີບຄໍ",
		"ກະທືບ", "ຢຽບ",
		"ทุบ", "ตบ|มือ", "ชก|มวย", "ต่อย|ั|มวย", "ฟาด", "ดึงผม", "เฆี่ยน", "สาดน้ำ", "ลวก", "จี้บุหรี่", "ยิงปืน",
		"บีบคอ", "กระทืบ", "เหยียบ",
	}
	// ຕີ/ตี not after ເ/เ (ເຕີມ top up, เตียง bed), nor before ນ (ຕີນ
	// foot), ລາຄາ, or an hour (ຕີ 5, ຕີຫ້າ, ตีสาม).
	hourGuards = "|<ເ|<เ|ນ|ລາຄາ|ราคา| 0| 1| 2| 3| 4| 5| 6| 7| 8| 9|ໜຶ່ງ|ສອງ|ສາມ|ສີ່|ຫ້າ|ຫົກ|ເຈັດ|ແປດ|ເກົ້າ|ສິບ" +
		"|หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ"

	passiveRom = []string{"thuk", "thuek", "tuk", "tuek", "thook", "don", "dohn", "dorn"}
	agentsRom  = []string{
		"nai jang", "nai chang", "thao kae", "tao kae", "thao ke", "hua na", "boss",
		"phua", "pua", "sami", "faen", "fan", "khao", "lao", "man",
	}
	objectsRom = []string{"khoy", "hao", "phuak hao", "mia", "luk", "nong", "mae", "na", "hua", "jon", "thuk mue"}
)

func lexicon(b *builder) {
	violence(b)
	sexual(b)
	confinement(b)
	trafficking(b)
	documents(b)
	debt(b)
	threats(b)
	selfHarm(b)
	medical(b)
	urgency(b)
	countries(b)
	employers(b)
}

func violence(b *builder) {
	v := phrase(catViolence)
	b.tai(v,
		"ທຳຮ້າຍຮ່າງກາຍ", "ຖືກທຳຮ້າຍ", "ໂດນທຳຮ້າຍ", "ທຸບຕີ", "ຕີດ່າ", "ຄວາມຮຸນແຮງ", "ໃຊ້ຄວາມຮຸນແຮງ", "ບີບຄໍ",
		"ກະທືບ", "ຟັນດ້ວຍມີດ", "ຖືກຊ້ອມ", "ໂດນຊ້ອມ", "ຖືກຍິງ", "ໂດນຍິງ", "ຖືກແທງ", "ໂດນແທງ", "ມີດແທງ",
		"ປືນໃສ່", "ຍິງໃສ່", "ສາດໃສ່", "ນ້ຳຮ້ອນລວກ", "ນ້ຳກົດ", "=ຂ້າຄົນ", "ຟົກຊ້ຳ", "ຂົ່ມເຫັງ", "ທາລຸນ",
		"ທໍລະມານ", "ບໍ່ໃຫ້ກິນເຂົ້າ", "ບໍ່ໃຫ້ນອນ", "ອົດເຂົ້າ", "ອົດຫິວ", "ບໍ່ໄດ້ກິນເຂົ້າມາ",
		"ทำร้ายร่างกาย", "ถูกทำร้าย", "โดนทำร้าย", "ทุบตี", "ตบตี", "ความรุนแรง", "บีบคอ", "กระทืบ",
		"ซ้อมจน", "ถูกซ้อม", "โดนซ้อม", "เฆี่ยน", "ถูกยิง", "โดนยิง", "ถูกแทง", "โดนแทง", "มีดแทง",
		"ปืนใส่", "ยิงใส่", "สาดใส่", "น้ำร้อนลวก", "น้ำกรด", "=ฆ่าคน", "ฟกช้ำ", "ข่มเหง", "ทารุณ",
		"ทรมาน", "ไม่ให้กินข้าว", "ไม่ให้นอน", "อดข้าว", "ไม่ได้กินข้าวมา",
	)
	// Lao and Thai: someone, then within a few words a verb of hitting
	// ("ນາຍຈ້າງກໍ່ຕີ", "ຖືກເຂົາທຸບ"); a verb, then right after it whom or
	// where ("ຕີຂ້ອຍ", "ຕົບໜ້າ", "ສາດນ້ຳຮ້ອນໃສ່").
	b.tai(concept(cActor), actorsLo...)
	b.tai(concept(cHit), hitLo...)
	b.tai(concept(cVictim), victimsLo...)
	b.rule(pairRule{a: cActor, b: cHit, within: 12, ordered: true, cats: catViolence})
	b.rule(pairRule{a: cHit, b: cVictim, within: 10, ordered: true, cats: catViolence})
	// Kept from eating or sleeping: ເຂົາບໍ່ໃຫ້ກິນ, ไม่ให้นอน.
	b.tai(concept(cDeprive), "ກິນ", "ນອນ", "กิน", "นอน")
	b.en(concept(cDeprive), "eat", "sleep", "rest")
	b.rule(pairRule{a: cNotAllow, b: cDeprive, within: 8, ordered: true, cats: catViolence})
	// "will" and a verb of hitting: ຈະຕີ, จะทำร้าย.
	b.tai(concept(cWill), "ຈະ", "ຊິ", "ສິ", "จะ")
	b.rule(pairRule{a: cWill, b: cHit, within: 6, ordered: true, cats: catThreats})

	verbs := []string{
		"hit", "hits", "hitting", "beat", "beats", "beating", "kick", "kicks", "kicked", "kicking",
		"punch", "punches", "punched", "punching", "slap", "slaps", "slapped", "slapping", "burn", "burns",
		"burned", "burnt", "burning", "whip", "whips", "whipped", "stab", "stabs", "stabbed", "choke",
		"choked", "chokes", "attack", "attacks", "attacked", "hurt", "hurts", "hurting", "push", "pushed",
		"pushes", "shove", "shoved", "strangle", "strangled", "shoot", "shot", "shoots", "threw", "throws",
	}
	objects := []string{"me", "us", "her", "him", "them", "people", "workers", "the workers", "everyone", "a worker",
		"a guy", "a man", "a woman", "a girl",
		"someone", "my wife", "my friend", "my friends", "my sister", "my brother", "my kids", "my child",
		"my children", "my mother", "my son", "my daughter"}
	// "kicked me", "hits the workers", "burned her": a verb, then within
	// two words whom (so "kicked me out" and "hit by a car" need guards).
	for _, verb := range verbs {
		b.en(concept(cHitEn), verb+"|by|the ball|the door|me up on")
	}
	b.en(concept(cVictimEn), objects...)
	b.rule(pairRule{a: cHitEn, b: cVictimEn, within: 8, ordered: true, cats: catViolence})
	b.en(v,
		"beat up", "beats me up", "beaten", "beaten up", "punched", "slapped", "kicked me", "choking",
		"strangl*", "stabbed", "stabbing", "assault*", "abused me", "abuses me", "abusing me",
		"physically abus*", "physical abuse", "whipped", "violence", "violent", "domestic violence",
		"he hit", "she hit", "they hit", "boss hit", "employer hit", "husband hit", "was hit|by", "got hit|by",
		"been hit|by", "were hit|by", "bruise*", "shot at", "with a stick", "with a belt", "kill people",
		"killing people", "killed someone", "killed a worker", "gun at", "abusive", "tortur*",
		"overboard", "starving us", "starve us", "dont give us food", "not allowed to eat",
		"not allowed to sleep", "havent eaten for", "have not eaten for", "no food for",
	)
	b.combo(b.rom, " ", v, append(append([]string{}, passiveRom...), agentsRom...),
		[]string{"ti", "thub", "tub", "thoup", "tob", "top", "sok", "xok", "thaeng", "taeng", "thip", "thib", "fad", "fat"}, objectsRom)
	b.rom(v, "tham hai", "tham hay", "tham hai hang kai", "kha khon", "ying puen", "ying peun")
}

func sexual(b *builder) {
	s := phrase(catSexual)
	b.tai(s,
		"ຂົ່ມຂືນ", "ຂົ່ມຂຶນ", "ຂືນໃຈ", "ລ່ວງລະເມີດ", "ລວນລາມ", "ຈັບບາຍ", "ລູບຄຳ", "ລູບໄລ້",
		"ຈັບໜ້າເອິກ", "ຈັບເອິກ", "ຈັບນົມ", "ຈັບກົ້ນ", "ຈັບຂາອ່ອນ", "ຈັບຂອງລັບ", "ຄຸກຄາມທາງເພດ", "ອະນາຈານ",
		"ແຕະຕ້ອງຮ່າງກາຍ", "ແຕະຕ້ອງຕົວ", "ບັງຄັບນອນ", "ບັງຄັບມີເພດ", "ບັງຄັບໃຫ້ນອນ", "ບັງຄັບມີອະໄຣ",
		"ຖອດເສື້ອຂ້ອຍ", "ຖອດເຄື່ອງຂ້ອຍ", "ຖອດເສື້ອຜ້າຂ້ອຍ", "ແກ້ເສື້ອຂ້ອຍ", "ຖືກປ້ຳ", "ໂດນປ້ຳ",
		"ข่มขืน", "ขืนใจ", "ล่วงละเมิด", "ลวนลาม", "จับหน้าอก", "จับนม", "จับก้น", "ลูบคลำ",
		"คุกคามทางเพศ", "อนาจาร", "ถูกปล้ำ", "โดนปล้ำ", "จะปล้ำ", "บังคับมีอะไร", "บังคับมีเพศ",
		"บังคับให้นอน", "ถอดเสื้อหนู", "ถอดเสื้อฉัน", "ถอดเสื้อผ้าหนู", "จับตัวหนู",
		"ແກ້ຜ້າ", "ເປືອຍ", "ຮູບໂປ້", "ຄລິບໂປ້", "ຖ່າຍຮູບຕອນອາບນ້ຳ", "ແອບຖ່າຍ", "ແອບເບິ່ງອາບນ້ຳ",
		"แก้ผ้า", "เปลือย", "รูปโป๊", "คลิปโป๊", "แอบถ่าย", "แอบดูอาบน้ำ",
		"ຂໍນອນນຳ", "ຊວນນອນນຳ", "ຊວນໄປໂຮງແຮມ", "ບັງຄັບຈູບ", "ແອບຈູບ", "ຈູບຂ້ອຍ", "ກອດຂ້ອຍ", "ມາກອດ",
		"ชวนนอนด้วย", "ขอนอนด้วย", "ขอมีอะไรด้วย", "ชวนไปโรงแรม", "จูบหนู", "กอดจูบ", "มากอดหนู",
	)
	b.combo(b.tai, "", s, nil, []string{"ລູບ", "ແຕະ", "ลูบ", "แตะ"},
		[]string{"ຕົວ", "ຂາ", "ແຂນ", "ໜ້າເອິກ", "ເອິກ", "ກົ້ນ", "ນົມ", "ตัว", "ขา", "แขน", "หน้าอก", "ก้น", "นม"})
	b.combo(b.tai, "", s, nil, []string{"ຈັບ", "ບີບ", "จับ", "บีบ"},
		[]string{"ໜ້າເອິກ", "ເອິກ", "ກົ້ນ", "ນົມ", "ຂາອ່ອນ", "ເປ້າ", "หน้าอก", "ก้น", "นม", "ขาอ่อน", "เป้า"})
	b.en(s,
		"rape*", "raping", "sexual abus*", "sexually abus*", "sexual assault*", "sexually assault*",
		"sexual harass*", "sexually harass*", "harass me", "harasses me", "harassed me", "harassing me",
		"molest*", "grope*", "groping", "touch me", "touches me", "touched me", "touching me",
		"touch my body", "touches my body", "touched my body", "touching my body", "touch my breast*",
		"touched my breast*", "touch my chest", "touch my butt", "touched my butt", "touch my private*",
		"forced me to have sex", "force me to have sex", "forced sex", "made me have sex",
		"made me sleep with", "make me sleep with", "wants sex", "asks for sex", "asked for sex",
		"undress*", "took off my clothes", "take off my clothes", "pervert", "naked", "nude*",
		"sleep with him or", "sleep with him if", "sleep with the boss",
		"kissed me", "kiss me", "tried to kiss", "hugs me", "hugged me", "come to his room", "go to a hotel",
	)
	b.rom(s,
		"khom khuen", "khom kheun", "khom khun", "khom khoen", "khom khoun", "kom kuen", "khom khen",
		"luang la merd", "luang la moed", "luang la mert", "luan lam", "jub bai", "jap bai", "chap bai",
		"jab bai", "jub nom", "jap nom", "bang khap non", "bang khab non",
		"jub nom", "jub hnom", "sao non nam", "suan non nam",
	)
}

func confinement(b *builder) {
	c := phrase(catConfinement)
	b.tai(c,
		"ຖືກຂັງ", "ໂດນຂັງ", "ຂັງໄວ້", "ກັກຂັງ", "ຂັງຂ້ອຍ", "ຂັງເຮົາ", "ຂັງພວກເຮົາ", "ຂັງຢູ່", "ຂັງລືມ",
		"ອອກໄປບໍ່ໄດ້", "ອອກໄປໃສບໍ່ໄດ້", "ໄປໃສບໍ່ໄດ້", "ໄປໃສກໍ່ບໍ່ໄດ້", "ໄປໃສກະບໍ່ໄດ້", "ໄປໄຫນບໍ່ໄດ້",
		"ໜີບໍ່ໄດ້|<ນາຍຈ້າງ|<ເຖົ້າແກ່|<ບໍລິສັດ", "ໜີບໍ່ພົ້ນ", "ໜີອອກບໍ່ໄດ້", "ອອກຈາກບ້ານບໍ່ໄດ້", "ອອກຈາກຫ້ອງບໍ່ໄດ້",
		"ອອກຈາກໂຮງງານບໍ່ໄດ້", "ຕິດຢູ່ໃນຫ້ອງ", "ໜ່ວງໜ້ຽວ", "ລັອກປະຕູ", "ລັອກຫ້ອງ", "ລັອກໄວ້", "ລັອຄປະຕູ",
		"ລັອຄໄວ້", "ປິດປະຕູຂັງ", "ຫ້າມອອກຈາກ",
		"ถูกขัง", "โดนขัง", "ขังไว้", "กักขัง", "ขังหนู", "ขังเรา", "ขังพวกเรา", "ขังอยู่",
		"ออกไปไหนไม่ได้", "ไปไหนไม่ได้", "หนีไม่ได้|<นายจ้าง|<เถ้าแก่|<บริษัท", "หนีไม่พ้น", "ออกจากบ้านไม่ได้", "ออกจากห้องไม่ได้",
		"ไม่ให้ออกจาก", "ไม่ให้ไปไหน", "ห้ามออกจาก", "ล็อคประตู", "ล็อกประตู", "ล็อคห้อง", "ล็อกห้อง",
		"ล็อคไว้", "ล็อกไว้", "ติดอยู่ในห้อง",
	)
	b.en(c,
		"locked me in", "locked us in", "locked up", "locked inside", "lock me in", "lock us in",
		"lock me up", "lock us up", "locks us in", "locks me in", "locked in", "locked from outside",
		"locked from the outside", "trapped", "imprisoned", "held captive", "held prisoner",
		"held hostage", "keep me locked", "keeps me locked", "keep us locked", "keeps us locked",
		"not allowed to leave", "not allowed out", "not allowed to go out", "not let out",
		"no way out", "keep us inside", "keeps us inside", "keep me inside", "keeps me inside",
		"confined", "detained", "against my will", "against her will", "against his will", "against our will",
		"against their will", "kidnapped", "kidnap*", "abducted", "taken away by", "guarded all the time",
		"dont know where they are taking", "no way home",
		"escaped from", "ran away from", "took our phones", "took my phone", "take our phones",
		"confiscated our phones", "confiscated my phone", "never allowed ashore", "not allowed off the boat",
		"cant get off the boat",
	)
	b.rom(c,
		"luep ni", "lop ni", "yued tholasap", "yud tholasap", "yued mue tue",
		"bo hai ork", "bo hai oak", "bo hai ok pai", "bo hai pai sai", "bo hai pai nai", "bo hai ni",
		"bo hai nee", "kang wai", "khang wai", "thuk khang", "thuek khang", "tuk khang", "tuek khang",
		"don khang", "khang khoy", "khang hao", "kak khang", "lock pa tu", "lok pa tu", "lock pratu",
		"ork bo dai", "ork pai bo dai", "ni bo dai", "nee bo dai", "pai sai bo dai", "pai sai ko bo dai",
		"ork jak hong bo dai", "ork jak ban bo dai",
	)
	b.tai(concept(cLock), "ລັອກ", "ລັອຄ", "ລອກ", "ລ໊ອກ", "ล็อค", "ล็อก", "ลอค", "ลอก")
	b.en(concept(cLock), "lock", "locked", "locks", "locking", "padlock*")
	b.rom(concept(cLock), "lock", "lok")
	b.tai(concept(cInside), "ປະຕູ", "ຫ້ອງ", "ໃນ", "ໄວ້", "ຂ້ອຍ", "ເຮົາ", "ບ້ານ", "ໂຮງງານ", "ຂັງ", "ແຄ້ມ", "ຫໍພັກ",
		"ประตู", "ห้อง", "ใน", "ไว้", "หนู", "เรา", "บ้าน", "โรงงาน", "ขัง", "แคมป์", "หอพัก")
	b.en(concept(cInside), "in", "inside", "up", "room", "door", "dorm*", "me", "us", "from outside", "factory", "house", "gate", "the gate")
	b.rom(concept(cInside), "pa tu", "pratu", "hong", "nai", "wai", "khoy", "hao")
	b.rule(pairRule{a: cLock, b: cInside, within: 12, cats: catConfinement})

	b.tai(concept(cNotAllow), "ບໍ່ໃຫ້", "ບໍ່ອະນຸຍາດ", "ບໍ່ຍອມໃຫ້", "ຫ້າມ", "ไม่ให้", "ไม่อนุญาต", "ไม่ยอมให้", "ห้าม")
	b.en(concept(cNotAllow), "not allowed to", "not allow", "wont let", "dont let", "doesnt let",
		"do not let", "does not let", "never let", "not let", "forbid*", "refuse to let", "refuses to let",
		"wouldnt let", "would not let")
	b.rom(concept(cNotAllow), "bo hai", "baw hai", "bo yom hai", "bo anuyat")
	b.tai(concept(cGoOut), "ອອກ", "=ໜີ", "ກັບບ້ານ", "ໄປໃສ", "ໄປໄຫນ", "ໄປໄໜ", "ໄປຂ້າງນອກ", "ໄປນອກ",
		"ໂທຫາ", "ໂທກັບ", "ຕິດຕໍ່", "ໄປໂຮງໝໍ", "ໄປຫາໝໍ",
		"ออก", "=หนี", "กลับบ้าน", "ไปไหน", "ข้างนอก", "โทรหา", "ติดต่อ", "ไปหาหมอ", "ไปโรงพยาบาล")
	b.en(concept(cGoOut), "leave", "go out", "get out", "go outside", "escape", "run away", "go home",
		"go anywhere", "go back home", "quit", "call my family", "call home", "contact", "see a doctor",
		"go to the hospital", "go to hospital", "go to the doctor",
		"out", "outside", "go")
	b.rom(concept(cGoOut), "ork", "awk", "ni", "nee", "kub ban", "kap ban", "klub ban", "pai sai", "pai nai", "pai nok",
		"pai ha mo", "pai hah mor", "pai hong mo", "pai")
	b.rule(pairRule{a: cNotAllow, b: cGoOut, within: 16, ordered: true, cats: catConfinement})

	b.en(concept(cCant), "cant", "cannot", "can not", "unable to", "couldnt", "could not", "not able to")
	b.en(concept(cLeave), "leave|early|work early|work on|for", "go out", "get out", "go outside", "escape", "run away", "get away",
		"go anywhere",
		"leave the house", "leave the factory", "leave the room")
	b.rule(pairRule{a: cCant, b: cLeave, within: 12, ordered: true, cats: catConfinement})
	// Lao and Thai put "cannot" after the verb: ໜີອອກມາບໍ່ໄດ້, หนีออกมาไม่ได้.
	// An employer who fled is not the writer unable to (ເຖົ້າແກ່ໜີ ບໍ່ໄດ້ຄ່າແຮງ:
	// the boss ran away, no wages).
	b.tai(concept(cEscape), "=ໜີ|<ນາຍຈ້າງ|<ເຖົ້າແກ່|<ບໍລິສັດ", "ອອກໄປ", "ອອກມາ", "ອອກຈາກ", "=หนี|<นายจ้าง|<เถ้าแก่|<บริษัท", "ออกไป", "ออกมา", "ออกจาก")
	b.tai(concept(cUnable), "ບໍ່ໄດ້", "ບໍ່ພົ້ນ", "ບໍ່ລອດ", "ไม่ได้", "ไม่พ้น", "ไม่รอด")
	b.rule(pairRule{a: cEscape, b: cUnable, within: 12, ordered: true, cats: catConfinement})
	b.tai(c, "ພາໄປໃສກໍ່ບໍ່ຮູ້", "ບໍ່ຮູ້ວ່າເຂົາຈະພາໄປໃສ", "ບໍ່ຮູ້ຈະພາໄປໃສ", "ພາໄປໃສບໍ່ຮູ້", "ຖືກລັກພາຕົວ", "ລັກພາຕົວ",
		"ພາໄປໃສກະບໍ່ຮູ້", "ມີຄົນເຝົ້າ", "ເຝົ້າໄວ້", "พาไปไหนก็ไม่รู้", "ไม่รู้จะพาไปไหน",
		"ลักพาตัว", "มีคนเฝ้า", "เฝ้าไว้", "ຕິດຢູ່ໃນຕູ້", "ติดอยู่ในตู้",
		"ຫຼົບໜີ", "ໜີອອກມາ", "ຍຶດໂທລະສັບ", "ຍຶດມືຖື", "หนีออกมา", "ยึดโทรศัพท์", "ยึดมือถือ",
		"ບໍ່ໄດ້ຂຶ້ນຝັ່ງ", "ບໍ່ເຄີຍໄດ້ຂຶ້ນຝັ່ງ", "ไม่ได้ขึ้นฝั่ง", "ไม่เคยได้ขึ้นฝั่ง", "ບໍ່ໃຫ້ໄປ|ວຽກ|ເຮັດວຽກ",
		"ไม่ให้ไป|ทำงาน")
}

func trafficking(b *builder) {
	t := phrase(catTrafficking)
	b.tai(t,
		"ຄ້າມະນຸດ", "ຄ້າຄົນ", "ຖືກຂາຍ", "ໂດນຂາຍ", "ຂາຍຂ້ອຍ", "ຂາຍເຮົາ", "ຂາຍພວກເຮົາ", "ຂາຍໜູ",
		"ຂາຍຕົວ", "ຂາຍໂຕ", "ຂາຍບໍລິການ", "ບໍລິການທາງເພດ", "ຄ້າປະເວນີ", "ຄ້າປະເວນີ", "ຖືກຫຼອກໄປເຮັດ",
		"ຖືກຫຼອກມາເຮັດ", "ພາໄປຂາຍ", "ແຮງງານບັງຄັບ", "ເຮັດວຽກບໍ່ໄດ້ເງິນ",
		"ค้ามนุษย์", "ถูกขาย", "โดนขาย", "ขายหนู", "ขายเรา", "ขายตัว", "ขายบริการ", "ค้าประเวณี",
		"ถูกหลอกไปทำงาน", "ถูกหลอกมาทำงาน", "หลอกมาทำงาน", "หลอกไปทำงาน", "แรงงานบังคับ",
		"ຖືກບັງຄັບ", "ໂດນບັງຄັບ", "ບໍ່ແມ່ນວຽກທີ່", "ວຽກບໍ່ຄືທີ່ບອກ", "ຕ່າງຈາກທີ່ບອກ", "ບໍ່ໄດ້ເງິນຈັກບາດ",
		"ບໍ່ໄດ້ເງິນຈັກກີບ", "ບໍ່ເຄີຍໄດ້ຄ່າແຮງ", "ไม่ได้เงินสักบาท", "ไม่เคยได้ค่าแรง",
		"ถูกบังคับ", "โดนบังคับ", "ไม่ใช่งานที่", "งานไม่ตรงกับที่บอก", "ไม่ตรงกับที่บอก",
	)
	b.en(t,
		"trafficked", "trafficking", "trafficker*", "human traffick*", "sold me", "sold us", "sold her",
		"sold him", "sold my sister", "sold my daughter", "sold my friend", "sold to", "was sold",
		"were sold", "been sold", "got sold", "sell me", "sell us", "bought me", "bought us",
		"forced labor", "forced labour", "forced to work", "forced into", "forced prostitution",
		"forced to sell", "force me to work", "forces us to work", "forced us to work",
		"scam compound", "fake job", "tricked into", "lied about the job", "not the job they promised",
		"work for no pay", "work without pay",
		"was forced", "were forced", "being forced", "forced me", "forced us", "not the job", "different job than",
		"scam company", "never been paid", "never got paid", "not paid at all", "no pay at all",
	)
	b.rom(t,
		"thuk khai", "thuek khai", "tuk khai", "tuek khai", "don khai", "khai khoy", "khai hao",
		"khai phuak hao", "kha manut", "kha manud", "ka manut", "khai tua", "khai to", "khai bolikan",
		"khai borikan", "lok pai het viak", "lok ma het viak",
	)
	b.tai(concept(cForce), "ບັງຄັບ", "บังคับ")
	b.en(concept(cForce), "forced", "force", "forces", "forcing", "made me", "make me", "makes me", "made us", "make us")
	b.rom(concept(cForce), "bang khap", "bang kab", "bang khab", "bang kub")
	b.tai(concept(cWork), "ເຮັດວຽກ", "ເຮັດງານ", "ທຳງານ", "ວຽກ", "ຕົ້ມຕຸ໋ນ", "ໂທຫຼອກ",
		"ทำงาน", "งาน", "ต้มตุ๋น", "แก๊งคอลเซ็นเตอร์", "คอลเซ็นเตอร์")
	b.en(concept(cWork), "work", "working", "labor", "labour", "job", "scam*", "prostitut*", "sex work*")
	b.rom(concept(cWork), "het viak", "hed viak", "het wiak", "viak", "wiak", "het ngan")
	b.tai(concept(cSex), "ນອນນຳ", "ນອນກັບ", "ມີເພດສຳພັນ", "ມີອະໄຣນຳ", "ຂາຍບໍລິການ", "ນອນກັບລູກຄ້າ",
		"นอนด้วย", "นอนกับ", "มีเพศสัมพันธ์", "มีอะไรด้วย", "มีอะไรกับ", "ขายบริการ")
	b.en(concept(cSex), "sex", "sleep with", "sleeping with", "have sex", "sex with", "customers")
	b.rom(concept(cSex), "non nam", "norn nam", "non kap", "non kab", "mi phet sam phan")
	b.tai(concept(cDeceive), "ຫຼອກ|ຫຼິ້ນ|ລວງ", "ຕົວະ", "ຫຼອກລວງ", "หลอก|เล่น", "โกหก")
	b.en(concept(cDeceive), "tricked", "lied", "lie to", "deceived", "cheated", "fake")
	b.rom(concept(cDeceive), "lok", "hlok", "lork")
	// ຖືກເອົາໄປຂາຍ, ถูกพามาขาย: sold, with words between.
	b.tai(concept(cPassive), "ຖືກ", "ໂດນ", "ถูก", "โดน")
	b.tai(concept(cSell), "ຂາຍ|ເຄື່ອງ|ຂອງ|ອາຫານ|ດີ|ໄດ້|ອອກ|ເຄື່ອງ", "ขาย|ของ|อาหาร|ดี|ได้|ออก")
	b.rule(pairRule{a: cPassive, b: cSell, within: 12, ordered: true, cats: catTrafficking})
	b.rom(concept(cPassive), "thuk", "thuek", "tuk", "tuek", "don")
	b.rom(concept(cSell), "khai")
	b.rule(pairRule{a: cForce, b: cWork, within: 20, cats: catTrafficking})
	b.rule(pairRule{a: cDeceive, b: cWork, within: 20, cats: catTrafficking})
	// Someone close who cannot be reached: ລູກສາວໄປກັບນາຍໜ້າ ຕິດຕໍ່ບໍ່ໄດ້.
	b.tai(concept(cMissing), "ຕິດຕໍ່ບໍ່ໄດ້", "ຫາຍສາບສູນ", "ຫາຍໂຕ", "ຫາຍຕົວ", "ບໍ່ມີຂ່າວ",
		"ติดต่อไม่ได้", "หายตัว", "หายสาบสูญ", "ไม่มีข่าว")
	b.en(concept(cMissing), "cant reach", "cannot reach", "cant contact", "cannot contact", "missing",
		"disappeared", "no news from", "havent heard from", "not heard from")
	b.rom(concept(cMissing), "tid tor bo dai", "tit to bo dai")
	b.tai(concept(cRelative), "ລູກ", "ລູກສາວ", "ລູກຊາຍ", "ນ້ອງ", "ເອື້ອຍ", "ອ້າຍ", "ໝູ່", "ເພື່ອນ", "ຜົວ", "ເມຍ", "ແມ່", "ພໍ່",
		"ลูก", "น้อง", "พี่", "เพื่อน", "ผัว", "สามี", "เมีย", "แม่", "พ่อ")
	b.en(concept(cRelative), "daughter", "son", "sister", "brother", "friend", "wife", "husband", "cousin",
		"mother", "father", "niece", "nephew")
	b.rom(concept(cRelative), "luk", "luk sao", "nong", "nong sao", "euay", "ai", "phuen", "mu", "phua", "mia")
	b.rule(pairRule{a: cRelative, b: cMissing, within: 48, cats: catTrafficking})
	b.rule(pairRule{a: cForce, b: cSex, within: 20, cats: catSexual})
	// "if you don't sleep with me you're fired": coercion.
	b.tai(concept(cIfNot), "ຖ້າບໍ່ຍອມ", "ບໍ່ຍອມກໍ່", "ຖ້າບໍ່ເອົາ", "ถ้าไม่ยอม", "ไม่ยอมก็", "ถ้าไม่เอา")
	b.en(concept(cIfNot), "if i dont", "if i do not", "if you dont", "or else", "or he will", "or she will", "unless")
	b.rom(concept(cIfNot), "tha bo yom", "tha bor yom")
	b.rule(pairRule{a: cIfNot, b: cSex, within: 24, cats: catSexual | catThreats})
	b.rule(pairRule{a: cSex, b: cIfNot, within: 24, ordered: true, cats: catSexual | catThreats})
}

func documents(b *builder) {
	b.tai(concept(cDoc),
		"ພາສປອດ", "ພາດສະປອດ", "ພາສະປອດ", "ປາສປອດ", "ພາສປອຣ໌ດ", "ພັດສະປອດ", "ໜັງສືຜ່ານແດນ", "ໜັງສືເດີນທາງ",
		"ບັດຊົມພູ", "ບັດສີຊົມພູ", "ບັດປະຈຳຕົວ", "ບັດເຮັດວຽກ", "ບັດແຮງງານ", "ບັດຕ່າງດ້າວ", "ບັດທະນາຄານ",
		"ບັດເອທີເອັມ", "ປຶ້ມບັນຊີ", "ບັດຂ້ອຍ", "ບັດເຮົາ", "ບັດພວກເຮົາ", "ບັດໝົດ", "ເອກະສານ",
		"ໃບອະນຸຍາດເຮັດວຽກ", "ໃບອະນຸຍາດ", "ວີຊາ", "ເວີກເພີມິດ", "ເວິກເພີມິດ",
		"ບັດ|ນີ້|ເຕີມ|ເຄຣດິດ|ໂທ|<ປະຕິ", "บัตร|เติม|เครดิต|<ธน",
		"พาสปอร์ต", "พาสปอต", "พาสสปอร์ต", "หนังสือเดินทาง", "บัตรชมพู", "บัตรสีชมพู", "บัตรประจำตัว",
		"บัตรประชาชน", "บัตรต่างด้าว", "ใบอนุญาตทำงาน", "ใบอนุญาต", "เวิร์คเพอร์มิต", "เวิร์กเพอร์มิต",
		"วีซ่า", "เอกสาร", "สมุดบัญชี", "บัตรเอทีเอ็ม", "บัตรหนู", "บัตรเรา",
	)
	b.en(concept(cDoc), "passport*", "id", "ids", "id card*", "documents", "document", "papers",
		"work permit*", "visa*", "pink card*", "arc", "arc card*", "alien card*", "residence card*",
		"zairyu", "bank book*", "bankbook*", "atm card*", "bank card*", "my card*", "our card*")
	b.rom(concept(cDoc), "nang sue phan daen", "nang sue dern thang", "nang sue doen tang", "ekasan",
		"bat xompu", "bat sompu", "bat chompu", "bat pacham tua", "bai anuyat", "pass port", "bat khoy", "bat hao")
	b.tai(concept(cTake),
		"ຍຶດ", "ຢຶດ", "ເກັບ|ເງິນ|ກ່ຽວ|ກວາດ|ຂີ້ເຫຍື້ອ|ເຄື່ອງ", "ເກັບໄວ້", "ຖືໄວ້", "ກັກໄວ້", "ບໍ່ຄືນ", "ບໍ່ໃຫ້ຄືນ",
		"ບໍ່ຍອມຄືນ", "ບໍ່ສົ່ງຄືນ", "ເອົາໄປ", "ເອົາໄວ້", "ຢູ່ນຳນາຍຈ້າງ", "ຢູ່ກັບນາຍຈ້າງ", "ຢູ່ນຳເຖົ້າແກ່",
		"ຢູ່ນຳນາຍໜ້າ", "ຢູ່ກັບນາຍໜ້າ", "ລັກ",
		"ยึด", "เก็บ|เงิน|เกี่ยว|กวาด|ขยะ|ของ", "เก็บไว้", "ถือไว้", "ไม่คืน", "ไม่ยอมคืน", "ไม่ให้คืน",
		"เอาไป", "ริบ", "อยู่กับนายจ้าง", "อยู่ที่นายจ้าง", "อยู่กับนายหน้า",
	)
	b.en(concept(cTake), "took", "taken", "take my", "take our", "take away", "confiscat*", "seiz*",
		"withh*", "held", "hold my", "hold our", "holds", "holding", "kept", "keeps", "keeping", "keep my",
		"keep our", "keep all", "stole*", "stolen", "has my", "has our", "has all", "have my", "have our",
		"wont give", "wont return", "not give back", "doesnt give", "didnt give back", "refuse* to give",
		"refuse* to return", "give back", "give it back", "give them back", "return it", "never returned",
		"not returned", "has had my", "has had our", "had my passport", "still has my", "pay to get")
	b.rom(concept(cTake), "yued", "yud", "yut", "yeud", "yoed", "keb", "kep", "kep wai", "keb wai",
		"tue wai", "thue wai", "bo khuen", "bo kheun", "bo hai khuen", "bo hai kheun", "ao pai", "ao wai",
		"bo yom khuen", "bo yom hai khuen")
	b.rule(pairRule{a: cDoc, b: cTake, within: 40, cats: catDocuments})
	// ເຂົາເອົາບັດໄປ, เขาเอาบัตรไป: "take" said plainly, after who took it.
	b.tai(concept(cGrab), "ເອົາ", "ເກັບ", "เอา", "เก็บ")
	b.rule(pairRule{a: cActor, b: cGrab, within: 8, ordered: true, emit: cTake + 1})
	// "I want it back": taken, when an employer or broker is named.
	b.tai(concept(cGetBack), "ຂໍຄືນ", "ເອົາຄືນ", "ໄດ້ຄືນ", "ຂໍເອົາຄືນ", "ขอคืน", "เอาคืน", "ได้คืน")
	b.en(concept(cGetBack), "get it back", "get back my", "get my passport back", "get them back", "ask for it back")
	b.rom(concept(cGetBack), "ao khuen", "ao kheun", "kho khuen", "dai khuen")
	b.rule(pairRule{a: cGetBack, b: cEmployer, within: 40, emit: cTake + 1})
}

func debt(b *builder) {
	b.tai(phrase(catDebt),
		"ເຮັດວຽກໃຊ້ໜີ້", "ເຮັດໃຊ້ໜີ້", "ໃຊ້ໜີ້ບໍ່ໝົດ", "ໜີ້ນາຍໜ້າ", "ຕິດໜີ້ນາຍໜ້າ", "ຕິດໜີ້ນາຍຈ້າງ",
		"ຕິດໜີ້ເຖົ້າແກ່", "ທຳງານໃຊ້ໜີ້", "ເຮັດວຽກຟຣີ", "ເຮັດວຽກຟຣີໃຊ້",
		"ทำงานใช้หนี้", "ใช้หนี้ไม่หมด", "หนี้นายหน้า", "ติดหนี้นายจ้าง", "ติดหนี้นายหน้า", "ติดหนี้เถ้าแก่",
	)
	b.en(phrase(catDebt), "debt bondage", "work off the debt", "work off my debt", "working off the debt",
		"work to pay off", "working to pay off", "work to pay the debt", "bonded labo*")
	b.rom(phrase(catDebt), "het viak sai ni", "het viak sai nee", "het wiak sai ni", "sai ni bo mod", "sai nee bo mod")
	// Someone owing the writer (the boss owes my salary) is unpaid wages, not
	// a debt the writer is bound by: "owes me", "ນາຍຈ້າງຕິດໜີ້", "ຕິດໜີ້ເງິນເດືອນ",
	// "ຕິດເງິນເດືອນ", "nai jang tid nee". ໜີ້ alone leaves ຕິດໜີ້ to its own entry.
	b.tai(concept(cDebt), "ຕິດໜີ້|ເງິນເດືອນ|ຄ່າແຮງ|<ນາຍຈ້າງ|<ເຖົ້າແກ່|<ບໍລິສັດ|<ໂຮງງານ", "ໃຊ້ໜີ້", "ເປັນໜີ້", "ໜີ້ສິນ", "ຈ່າຍໜີ້", "ຫັກໜີ້", "ຄ່າໜີ້", "=ໜີ້|ເງິນເດືອນ|ຄ່າແຮງ|<ຕິດ", "ຕິດເງິນ|ເດືອນ|<ນາຍຈ້າງ|<ເຖົ້າແກ່|<ບໍລິສັດ|<ໂຮງງານ", "ຫັກໃຊ້", "ຫັກຄ່ານາຍໜ້າ",
		"ติดหนี้|เงินเดือน|ค่าแรง|<นายจ้าง|<เถ้าแก่|<บริษัท|<โรงงาน", "ใช้หนี้", "เป็นหนี้", "หนี้สิน", "จ่ายหนี้", "หักหนี้", "=หนี้|เงินเดือน|ค่าแรง|<ติด")
	b.en(concept(cDebt), "debt*", "owe|me|us", "owes|me|us", "owed|me|us", "owing|me|us", "repay*", "pay off", "paid off", "pay it off",
		"pay him back", "pay her back", "pay them back", "pay the agent back", "pay the broker back")
	b.rom(concept(cDebt), "tid ni|<nai jang|<nay jang|<nai chang|<thao kae|<tao kae|<boss", "tid nee|<nai jang|<nay jang|<nai chang|<thao kae|<tao kae|<boss", "tit ni|<nai jang|<nay jang|<nai chang|<thao kae|<tao kae|<boss", "tit nee|<nai jang|<nay jang|<nai chang|<thao kae|<tao kae|<boss", "sai ni", "sai nee", "xai ni", "xai nee",
		"pen ni", "pen nee", "ni sin", "nee sin", "jai ni", "jai nee", "tid ngern|duean|deuan|duen")
	b.tai(concept(cNoPay),
		"ບໍ່ໄດ້ເງິນເດືອນ", "ບໍ່ຈ່າຍເງິນ", "ບໍ່ໃຫ້ເງິນເດືອນ", "ບໍ່ມີເງິນເດືອນ", "ຫັກເງິນເດືອນ", "ຫັກໝົດ", "ບໍ່ໄດ້ຄ່າແຮງ", "ບໍ່ເຄີຍໄດ້ເງິນ", "ບໍ່ເຄີຍໄດ້ເງິນເດືອນ",
		"ເຮັດຟຣີ", "ຈົນກວ່າ", "ຈັ່ງຊິໄດ້", "ຈຶ່ງຈະໄດ້", "ບໍ່ໃຫ້ອອກ", "ບໍ່ໃຫ້ກັບ",
		"ไม่ได้เงินเดือน", "ไม่จ่ายเงิน", "ไม่เคยได้เงิน", "ไม่ได้เงินเลย", "หักเงินเดือน", "หักหมด", "ทำฟรี", "จนกว่า", "ถึงจะกลับ", "ถึงจะได้",
		"ไม่ให้ออก", "ไม่ให้กลับ",
	)
	b.en(concept(cNoPay), "no salary", "no pay", "not paid", "unpaid", "without pay", "deduct*", "until", "till",
		"for free", "all my salary", "cant leave", "cannot leave", "cant quit", "cannot quit")
	b.rom(concept(cNoPay), "bo dai ngern duean", "bo dai ngern deuan", "bo jai ngern", "hak ngern", "bo hai ork", "bo hai kub")
	// "if I don't pay it all I can't go home", "until I pay".
	b.tai(concept(cIfNotPay), "ຖ້າບໍ່ຈ່າຍ", "ຖ້າບໍ່ໃຊ້", "ຈ່າຍໃຫ້ໝົດກ່ອນ", "ຈ່າຍຄືນໃຫ້ໝົດ", "ຈົນກວ່າຈະຈ່າຍ", "ຈົນກວ່າຈະໃຊ້",
		"ถ้าไม่จ่าย", "ถ้าไม่ใช้", "จ่ายให้หมดก่อน", "จนกว่าจะจ่าย", "จนกว่าจะใช้")
	b.en(concept(cIfNotPay), "until i pay", "until we pay", "till i pay", "until its paid", "till its paid",
		"if i dont pay", "if we dont pay", "unless i pay", "unless we pay", "pay first")
	b.rom(concept(cIfNotPay), "tha bo jai", "tha bo sai")
	b.rule(pairRule{a: cIfNotPay, b: cGoOut, within: 40, cats: catDebt})
	b.rule(pairRule{a: cIfNotPay, b: cLeave, within: 40, cats: catDebt})
	b.rule(pairRule{a: cDebt, b: cEmployer, within: 64, cats: catDebt})
	b.rule(pairRule{a: cDebt, b: cNoPay, within: 64, cats: catDebt})
}

func threats(b *builder) {
	t := phrase(catThreats)
	b.tai(t,
		"ຂູ່|ດ", "ຂົ່ມຂູ່", "=ຈະຂ້າ|ຍ", "=ຂ້າຖິ້ມ", "=ຂ້າໃຫ້ຕາຍ", "=ຂ້າຂ້ອຍ", "=ຂ້າແມ່", "=ຂ້າລູກ", "=ຂ້າພໍ່",
		"=ຂ້າເມຍ", "=ຂ້າຄອບຄົວ", "=ຂ້າໝົດ", "ແຈ້ງຕຳຫຼວດຈັບ", "ໃຫ້ຕຳຫຼວດຈັບ", "ເອີ້ນຕຳຫຼວດມາຈັບ",
		"ທຳຮ້າຍຄອບຄົວ", "ທຳຮ້າຍພໍ່ແມ່", "ທຳຮ້າຍລູກ", "ເອົາມີດມາ", "ເອົາປືນ", "ຈໍ່ປືນ", "ຈ່ອປືນ", "ຈະຕີ|ນ",
		"ປືນ", "ຕິດຕາມຂ້ອຍ", "ຄົນຕິດຕາມ", "ສະກົດຮອຍ", "ຈະເຮັດໃຫ້ເສຍໃຈ", "ຈະເຮັດໃຫ້ຂ້ອຍເສຍໃຈ",
		"ລະວັງໂຕໄວ້", "ລະວັງຕົວໄວ້", "ຈະເອົາໃຫ້ຕາຍ", "ຈະທຳຮ້າຍ", "ຈະແຈ້ງຕຳຫຼວດ", "ຈະສົ່ງຕຳຫຼວດ",
		"ขู่|ด", "ข่มขู่", "=จะฆ่า", "=ฆ่าทิ้ง", "=ฆ่าให้ตาย", "=ฆ่าหนู", "=ฆ่าแม่", "=ฆ่าลูก", "=ฆ่าพ่อ",
		"=ฆ่าเมีย", "=ฆ่าครอบครัว", "แจ้งตำรวจจับ", "แจ้งตำรวจมาจับ", "เรียกตำรวจมาจับ", "ทำร้ายครอบครัว",
		"เอามีดมา", "เอาปืน", "จ่อปืน", "จะตี|น", "จะทำร้าย", "จะแจ้งตำรวจ", "ปืน", "สะกดรอย", "ตามหนู",
		"ตามฉัน", "ระวังตัวไว้", "เอาให้ตาย", "มีดจ่อ", "จะเผาบ้าน", "เผาบ้าน", "ຈະເຜົາເຮືອນ", "ເຜົາເຮືອນ",
	)
	b.en(t,
		"threaten*", "threat", "threats", "death threat*", "will kill", "gonna kill", "going to kill",
		"wants to kill|myself|my self", "want to kill|myself|my self", "kill me", "kill us", "kill you",
		"kill my family", "kill my", "hurt my family", "harm my family", "hurt my kids", "hurt my children",
		"report me to", "call the police on me", "call police on me", "will call immigration",
		"will call the police", "call immigration on", "deport me", "get me deported", "have me deported",
		"send me to jail", "have me arrested", "get me arrested", "or else", "with a knife", "with a gun",
		"pointed a gun", "a knife at", "stalking me", "stalks me", "following me", "stalker", "gun",
		"watch your back", "burn our house", "burn my house", "break into my", "broke into my", "breaking into my",
		"trying to break in", "make you regret", "make me regret", "you will regret", "blackmail*",
	)
	// "if you flee / tell anyone / don't pay, we will ...".
	b.tai(concept(cIfNot), "ຖ້າໜີ", "ຖ້າບອກ", "ຖ້າແຈ້ງ", "ຖ້າລາອອກ", "ຖ້າອອກວຽກ", "ຖ້າບໍ່ເຮັດ", "ຖ້າຟ້ອງ",
		"ถ้าหนี", "ถ้าบอก", "ถ้าแจ้ง", "ถ้าลาออก", "ถ้าไม่ทำ", "ถ้าฟ้อง")
	b.en(concept(cIfNot), "if i tell", "if we tell", "if i try", "if we try", "if i leave", "if we leave",
		"if i escape", "if we escape", "if i run", "if we run", "if i report", "if we report", "if i quit",
		"if i complain", "if we complain", "if i go to the police", "if anyone")
	b.rom(concept(cIfNot), "tha ni", "tha nee", "tha bok", "tha jaeng")
	b.tai(concept(cOutcome), "=ຈະຂ້າ|ຍ", "ຈະທຳຮ້າຍ", "ຈະຕາມ", "ແຈ້ງຕຳຫຼວດ", "ສົ່ງກັບ", "ສົ່ງໂຕກັບ", "ສົ່ງຕົວກັບ",
		"ບໍ່ຄືນ", "ໄລ່ອອກ", "ຈະຕີ|ນ", "ເອົາເລື່ອງ", "ຄອບຄົວ", "ຈະເຜົາ",
		"=จะฆ่า", "จะทำร้าย", "จะตาม", "แจ้งตำรวจ", "ส่งกลับ", "ส่งตัวกลับ", "ไม่คืน", "ไล่ออก", "จะตี|น",
		"เอาเรื่อง", "ครอบครัว")
	b.en(concept(cOutcome), "burn", "will find", "find our famil*", "find my famil*", "hurt", "kill", "deport*",
		"police", "immigration", "send me back", "send us back", "never see", "regret", "our families",
		"my family")
	b.rule(pairRule{a: cIfNot, b: cOutcome, within: 40, ordered: true, cats: catThreats})
	b.rule(pairRule{a: cIfNotPay, b: cOutcome, within: 40, ordered: true, cats: catThreats})
	// Fear with something menacing near it.
	b.tai(concept(cFear), "ຢ້ານຫຼາຍ", "ຢ້ານແທ້", "ຢ້ານຄັກ", "ຢ້ານຈົນ", "ຢ້ານຕາຍ", "ກົວຫຼາຍ",
		"กลัวมาก", "กลัวจัง", "กลัวจน", "กลัวแทบตาย")
	b.en(concept(cFear), "scared", "terrified", "frightened", "so afraid", "very afraid", "afraid for my life")
	b.rom(concept(cFear), "yan lai", "yaan lai", "yan tae")
	b.tai(concept(cMenace), "ເມົາ", "ເຄາະປະຕູ", "ບຸກ", "ງັດປະຕູ", "ກາງຄືນ", "ທຸກຄືນ", "ຜູ້ຊາຍ", "ຕິດຕາມ", "ມີດ", "ຜົວເກົ່າ",
		"เมา", "เคาะประตู", "บุก", "งัดประตู", "กลางคืน", "ทุกคืน", "ผู้ชาย", "ตามมา", "มีด", "ผัวเก่า")
	b.en(concept(cMenace), "drunk", "knock*", "break in", "broke into", "at night", "every night", "follow*",
		"knife", "ex husband", "ex boyfriend", "he will", "come back")
	b.rom(concept(cMenace), "mao", "kang khuen", "thuk khuen", "phu sai")
	b.rule(pairRule{a: cFear, b: cMenace, within: 40, cats: catThreats})
	b.rom(t,
		"khu wa", "khou wa", "ku wa", "khom khu", "khom khou", "ja kha", "cha kha", "ja kha khoy",
		"kha thim", "kha thiem", "kha hai tai", "thuk khu", "don khu", "ao mit ma",
	)
}

func selfHarm(b *builder) {
	s := phrase(catSelfHarm)
	b.tai(s,
		"ຢາກຕາຍ", "ຂ້າຕົວຕາຍ", "ຂ້າໂຕຕາຍ", "ຂ້າຕົວເອງ", "ຂ້າໂຕເອງ", "ບໍ່ຢາກມີຊີວິດ", "ບໍ່ຢາກຢູ່ໃນໂລກ",
		"ບໍ່ຢາກຢູ່ເທິງໂລກ", "ຈົບຊີວິດ", "ອັດຕະວິນິບາດ", "ກິນຢາຕາຍ", "ກິນຢາຂ້າ", "ຜູກຄໍ", "ໂດດຕຶກ",
		"ໂດດນ້ຳຕາຍ", "ໂດດຂົວ", "ທຳຮ້າຍຕົວເອງ", "ທຳຮ້າຍໂຕເອງ", "ກີດແຂນ", "ກີດຂໍ້ມື", "ຢາກຫາຍໄປຈາກໂລກ",
		"ບໍ່ຢາກຕື່ນ", "ບໍ່ຕ້ອງຕື່ນ", "ບໍ່ຕື່ນອີກ", "ຫຼັບບໍ່ຕື່ນ", "ກິນຢາເກີນ", "ກິນຢາຫຼາຍເກີນ", "ກິນຢານອນຫຼາຍ",
		"ມີຊີວິດຢູ່ໄປເພື່ອຫຍັງ", "ຢູ່ໄປກໍ່ບໍ່ມີຄ່າ", "ບໍ່ຢາກຢູ່ແລ້ວ", "ຕາຍໄປຊະ", "ຕາຍໄປເລີຍດີກວ່າ",
		"ເບື່ອຊີວິດ", "ເບື່ອໂລກ", "ຄິດສັ້ນ", "ຈົບທຸກຢ່າງ", "ຈົບຊີວິດຕົວເອງ", "ກິນຢາໝົດ", "ກິນຢາໄປໝົດ",
		"ໝົດແຜງ", "ທັງແຜງ", "ກິນຢາຫຼາຍ", "ບໍ່ຢາກຢູ່ຕໍ່ໄປ", "ບໍ່ຢາກມີຊີວິດຕໍ່", "ຂໍລາກ່ອນ", "ລາກ່ອນທຸກຄົນ",
		"ຕາຍດີກວ່າ", "ຢາກຫາຍໄປ", "ຊີວິດບໍ່ມີຄ່າ", "ຊີວິດບໍ່ມີຄວາມໝາຍ", "ໝົດຫວັງໃນຊີວິດ", "ບໍ່ມີທາງອອກ", "ບໍ່ຢາກຫາຍໃຈ",
		"ຂໍໂທດແມ່", "ຂໍໂທດພໍ່ແມ່", "ຝາກລູກນຳ", "ຝາກເບິ່ງລູກ", "ຂ້ອຍບໍ່ຢູ່ແລ້ວ", "ກິນຢາຂ້າ", "ກິນຢາເບື່ອ",
		"อยากตาย", "ฆ่าตัวตาย", "ไม่อยากมีชีวิต", "ไม่อยากอยู่บนโลก", "จบชีวิต", "กินยาตาย", "กินยาฆ่าตัว",
		"ผูกคอ", "กระโดดตึก", "กระโดดน้ำตาย", "กระโดดสะพาน", "ทำร้ายตัวเอง", "กรีดแขน", "กรีดข้อมือ",
		"ไม่อยากตื่น", "หลับไม่ตื่น", "อยากหายไปจากโลก", "กินยาเกินขนาด", "ตายไปเลยดีกว่า", "อยู่ไปทำไม",
		"เบื่อชีวิต", "เบื่อโลก", "คิดสั้น", "จบทุกอย่าง", "กินยาหมด", "กินยาไปหมด", "หมดแผง", "ทั้งแผง",
		"กินยาเยอะ", "ลาก่อนทุกคน",
		"ตายดีกว่า", "อยากหายไป", "ชีวิตไม่มีค่า", "ชีวิตไม่มีความหมาย", "หมดหวังในชีวิต", "ไม่มีทางออก", "ไม่อยากหายใจ", "ไม่อยากอยู่แล้ว", "ไม่อยากอยู่ต่อ", "เหนื่อยกับชีวิต",
		"ขอโทษแม่", "ขอโทษพ่อแม่", "ฝากดูแลลูก", "ฝากลูกด้วย", "จะไม่อยู่แล้ว", "กินยาฆ่า", "ดื่มยาฆ่า",
		"กินยาเบื่อ", "ยาฆ่าแมลงเข้าไป", "ยาฆ่าหญ้าเข้าไป",
	)
	b.en(s,
		"want to die", "wanna die", "wants to die", "want to be dead", "wish i was dead", "wish i were dead",
		"better off dead", "kill myself", "killing myself", "kill my self", "end my life", "ending my life",
		"end it all", "take my own life", "take my life", "suicid*", "dont want to live", "do not want to live",
		"no reason to live", "not worth living", "hurt myself", "hurting myself", "cut myself", "cutting myself",
		"hang myself", "jump off", "overdose", "cant go on", "dont want to wake up", "want to disappear",
		"rather be dead", "self harm", "ending it", "end everything", "end it all", "end it tonight",
		"no reason to keep living", "reason to live", "point in living", "tired of living", "tired of life",
		"jump from", "jump off", "jump out of", "jumping off", "jump in front of", "took all my pills",
		"take all my pills", "swallowed pills", "goodbye everyone", "not be here tomorrow", "took too many pills",
		"life is not worth", "dont want to be alive", "do not want to be alive", "sleep forever", "better to die",
		"cant take it anymore", "cant take this anymore", "cannot take it anymore", "have the pills",
		"pills ready", "cut my wrist*", "cut her wrist*", "cut his wrist*", "slit my", "drank poison",
		"drank pesticide", "drink poison", "ate rat poison", "swallowed bleach", "wont be here", "wont be around",
		"tell my mom im sorry", "no way out", "dont want to breathe", "overdos*",
	)
	b.rom(s,
		"yak tai", "yark tai", "yaak tai", "yag tai", "kha tua tai", "kha tua eng", "kha to tai", "kha tou tai",
		"ka tua tai", "kha tuo tai", "kha toa tai", "bo yak mi sivit", "bo yak mi xivit", "bo yak mi chivit",
		"bo yak mi siwit", "bo yak mi sivid", "jop sivit", "job sivit", "bo yak yu nai lok", "bo yak tuen",
		"bo yak teun",
		"buea sivit", "beua sivit", "bua sivit", "khit san", "kit san", "khit sun", "tai dee kwa", "tai di kwa",
	)
}

func medical(b *builder) {
	m := phrase(catMedical)
	b.tai(m,
		"ເລືອດອອກ", "ເລືອດໄຫຼ", "ເລືອດໄຫລ", "ສະຫຼົບ", "ບໍ່ໄດ້ສະຕິ", "ໝົດສະຕິ", "ເສຍສະຕິ", "ບໍ່ຫາຍໃຈ",
		"ຫາຍໃຈບໍ່ອອກ", "ຫາຍໃຈບໍ່ໄດ້", "ບາດເຈັບສາຫັດ", "ເຈັບໜັກ", "ແຂນຫັກ", "ຂາຫັກ", "ກະດູກຫັກ", "ຖືກລົດຕຳ",
		"ລົດຕຳ", "ແທ້ງລູກ", "ກິນຢາເບື່ອ", "ຖືກສານພິດ", "ຈົມນ້ຳ", "ໄຟໄໝ້", "ຖືກໄຟຊັອດ", "ໄຟຟ້າຊັອດ", "ຫາຍໃຈຍາກ", "ຫາຍໃຈລຳບາກ", "ຫົວແຕກ", "ແຂ້ວຫັກ", "ເຈັບໜ້າເອິກ", "ງູຕອດ", "ງູກັດ", "ຕົກຕຶກ", "ຕົກຈາກທີ່ສູງ",
		"เลือดออก", "เลือดไหล", "หมดสติ", "สลบ", "ไม่หายใจ", "หายใจไม่ออก", "บาดเจ็บสาหัส", "เจ็บหนัก",
		"แขนหัก", "ขาหัก", "กระดูกหัก", "ถูกรถชน", "รถชน", "แท้ง", "จมน้ำ", "ไฟไหม้", "ไฟดูด", "ไฟช็อต", "น้ำลายฟูมปาก", "ยาฆ่าแมลง", "ยาฆ่าหญ้า", "ຢາຂ້າແມງໄມ້", "ຢາຂ້າຫຍ້າ", "หายใจลำบาก", "หัวแตก", "ฟันหัก", "ปางตาย", "เจ็บหน้าอก", "งูกัด", "ตกตึก", "ตกนั่งร้าน", "ตกจากที่สูง",
	)
	b.en(m,
		"bleeding", "bleed*", "unconscious", "not breathing", "cant breathe", "cannot breathe", "passed out",
		"fainted", "ambulance", "badly injured", "seriously injured", "badly hurt", "broken arm", "broken leg",
		"broken bone*", "heart attack", "overdose", "poisoned", "seizure", "miscarriage", "chest pain",
		"electrocuted", "drowning", "hit by a car", "hit by car", "hard to breathe", "trouble breathing", "isnt breathing", "stopped breathing", "collapsed",
		"hit by a motorbike", "hit by a truck", "hit by a bike", "snake bite", "bitten by a snake", "fell from",
	)
	b.rom(m, "leuat ork", "lueat ork", "luead ork", "leuad ork", "lueat ok", "leuat lai", "lueat lai",
		"salop", "sa lop", "bo hai jai", "hai jai bo ork", "mot sati", "mod sati")
}

func urgency(b *builder) {
	now, help := flag(flagNow), flag(flagHelp)
	b.tai(now, "ຕອນນີ້", "ດຽວນີ້", "ຂະນະນີ້", "ຄືນນີ້", "ຕອນນີ້", "ตอนนี้", "เดี๋ยวนี้", "ขณะนี้", "คืนนี้")
	b.en(now, "now", "right now", "tonight", "at the moment", "currently")
	b.rom(now, "ton ni", "ton nee", "tawn nee", "dio ni", "diao ni", "deo nee", "khuen ni")
	b.tai(help,
		"ຊ່ວຍແດ່", "ຊ່ວຍດ້ວຍ", "ຊ່ອຍແດ່", "ຊ່ອຍດ້ວຍ", "ຊ່ວຍຂ້ອຍແດ່", "ຊ່ວຍຂ້ອຍດ້ວຍ", "ຊ່ວຍເຮົາແດ່", "ຊ່ວຍໜ່ອຍ",
		"ສຸກເສີນ", "ช่วยด้วย", "ช่วยหน่อย", "ช่วยที", "ช่วยหนูด้วย", "ฉุกเฉิน",
	)
	b.en(help, "help", "sos", "emergency", "save me", "please help")
	b.rom(help, "soi dae", "soi dea", "suay dae", "soi duay", "xoi duay", "chuay duay", "chuay doi")
}

func employers(b *builder) {
	e := concept(cEmployer)
	b.tai(e, "ນາຍຈ້າງ", "ເຖົ້າແກ່", "ເຖົ້າແກ", "ນາຍໜ້າ", "ຫົວໜ້າ", "ບອສ", "ເຈົ້າຂອງ", "ບໍລິສັດ", "ເອເຈນ", "ເອເຢັນ",
		"นายจ้าง", "เถ้าแก่", "เจ้านาย", "นายหน้า", "หัวหน้า", "บอส", "เจ้าของ", "บริษัท", "เอเย่นต์")
	b.en(e, "employer*", "boss*", "broker*", "agent*", "agency", "agencies", "recruiter*", "middleman",
		"supervisor*", "owner*", "company", "manager*", "madam")
	b.rom(e, "nai jang", "nai chang", "thao kae", "tao kae", "thao ke", "tao ke", "nai na", "hua na", "boss", "agent")
}

// countries: a name scores 2, a name after "in"/ຢູ່/อยู่ (where the writer
// is) 3, Laos 1 (often where people come from or return to, and ລາວ is
// also "he/she"), so a foreign country named in the same message wins.
func countries(b *builder) {
	in := func(c uint8) payload { return country(c, 3) }
	name := func(c uint8) payload { return country(c, 2) }
	// ໄທ is inside other words (ໄທດຳ, ຜູ້ໄທ, ໄທບ້ານ): only after ຢູ່, ປະເທດ
	// and the like, or standing alone.
	notTai := []string{"ດຳ", "ລື", "ເໜືອ", "ບ້ານ", "ຂາວ", "ແດງ", "ເຜົ່າ"}
	guard := "|" + joinBar(notTai)
	b.tai(in(ctyTH), "ຢູ່ໄທ"+guard, "ປະເທດໄທ"+guard, "ເມືອງໄທ"+guard, "ໃນໄທ"+guard, "ຝັ່ງໄທ"+guard,
		"อยู่ไทย", "ประเทศไทย", "ที่ไทย", "ในไทย", "เมืองไทย")
	b.tai(name(ctyTH), "^ໄທ$", "ໄປໄທ"+guard, "ມາໄທ"+guard, "ໄທຍ", "ไทย", "ກຸງເທບ", "ບາງກອກ", "ຊົນບູລີ", "ລະຍອງ",
		"ມະຫາໄຊ", "กรุงเทพ", "กทม", "ชลบุรี", "ระยอง", "เชียงใหม่", "สมุทรสาคร", "มหาชัย", "ภูเก็ต", "พัทยา")
	b.en(in(ctyTH), "in thailand", "in bangkok")
	b.en(name(ctyTH), "thailand", "thai", "bangkok", "chonburi", "rayong", "pattaya", "phuket", "chiang mai", "mahachai", "samut sakhon")
	b.rom(in(ctyTH), "muang thai", "meuang thai", "mueang thai", "pathet thai", "yu thai")

	b.tai(in(ctyKR), "ຢູ່ເກົາຫຼີ", "ປະເທດເກົາຫຼີ", "อยู่เกาหลี", "ประเทศเกาหลี", "ที่เกาหลี")
	b.tai(name(ctyKR), "ເກົາຫຼີ", "ເກົາລີ", "ເກົາຫຼີໃຕ້", "ໂຊລ", "ປູຊານ", "เกาหลี", "โซล", "ปูซาน")
	b.en(in(ctyKR), "in korea", "in south korea")
	b.en(name(ctyKR), "korea", "korean", "seoul", "busan", "incheon", "ansan", "gyeonggi", "daegu", "gimhae")
	b.rom(in(ctyKR), "yu kaoli", "yu kao li", "yu kauli")
	b.rom(name(ctyKR), "kaoli", "kao li", "kauli", "kaoly", "kao ly")

	// ມາເລ is also the start of ມາເລີຍ ("came at all"), and Thai มาเลย is
	// "come on": not when a vowel sign or ຍ follows.
	notMY := "|ີ|ິ|ັ|ື|ົ|ຍ|ຢ|ກ|ຂ"
	b.tai(in(ctyMY), "ຢູ່ມາເລ"+notMY, "ປະເທດມາເລ"+notMY, "อยู่มาเลเซีย", "ประเทศมาเลเซีย", "ที่มาเลเซีย")
	b.tai(name(ctyMY), "ມາເລເຊຍ", "ມາເລເຊັຍ", "ມາເລເຊຍ", "ມາເລ"+notMY, "มาเลเซีย", "มาเลย์"+notMY, "ກົວລາລຳເປີ", "กัวลาลัมเปอร์", "ยะโฮร์")
	b.en(in(ctyMY), "in malaysia", "in kl")
	b.en(name(ctyMY), "malaysia", "malaysian", "malay", "kuala lumpur", "johor", "penang", "selangor", "klang")
	b.rom(name(ctyMY), "malay", "malaysia", "malasia", "malesia", "maley")

	b.tai(in(ctyJP), "ຢູ່ຍີ່ປຸ່ນ", "ປະເທດຍີ່ປຸ່ນ", "อยู่ญี่ปุ่น", "ประเทศญี่ปุ่น", "ที่ญี่ปุ่น")
	b.tai(name(ctyJP), "ຍີ່ປຸ່ນ", "ຢີ່ປຸ່ນ", "ຍີ່ປຸນ", "ໂຕກຽວ", "ໂອຊາກາ", "ญี่ปุ่น", "โตเกียว", "โอซาก้า")
	b.en(in(ctyJP), "in japan")
	b.en(name(ctyJP), "japan", "japanese", "tokyo", "osaka", "nagoya", "fukuoka", "nihon")
	b.rom(name(ctyJP), "yipun", "yi pun", "nyipun", "yi poun")

	b.tai(country(ctyLA, 2), "ຢູ່ປະເທດລາວ", "ຢູ່ລາວ|ນຳ|ກັບ", "อยู่ลาว", "อยู่ประเทศลาว")
	b.tai(country(ctyLA, 1), "ປະເທດລາວ", "ສປປລາວ", "ເມືອງລາວ", "ກັບມາລາວ", "ວຽງຈັນ", "ນະຄອນຫຼວງວຽງຈັນ",
		"ประเทศลาว", "เวียงจันทน์", "กลับลาว")
	b.en(country(ctyLA, 2), "in laos", "in vientiane")
	b.en(country(ctyLA, 1), "laos", "lao pdr", "vientiane", "savannakhet", "pakse", "luang prabang")
	b.rom(country(ctyLA, 1), "pathet lao", "muang lao", "meuang lao", "viangchan", "vientiane")
}

func joinBar(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "|"
		}
		out += x
	}
	return out
}
