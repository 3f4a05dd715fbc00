package messenger

import (
	"strings"
	"testing"

	"phuan/bot"
)

func testProfile() Profile {
	return Profile{Default: "lo", Languages: map[string]ProfileTexts{
		"lo": {Greeting: "ສະບາຍດີ {{user_first_name}}! ເພື່ອນ ຢູ່ນີ້ເພື່ອຊ່ວຍແຮງງານລາວ.", Menu: []bot.Button{
			{Label: "ເມນູ", Payload: "menu:main"},
			{Label: "ລົມກັບເຈົ້າໜ້າທີ່ທີ່ໄດ້ຮັບການຝຶກອົບຮົມແລ້ວ", Payload: "case:new"},
			{Label: "ເວັບໄຊ", URL: "https://example.org/lo"},
		}},
		"th": {Greeting: "สวัสดี {{user_first_name}}", Menu: []bot.Button{{Label: "เมนู", Payload: "menu:main"}}},
		"en": {Greeting: "Hello {{user_first_name}}! Phuan helps Lao migrant workers.", Menu: []bot.Button{{Label: "Menu", Payload: "menu:main"}}},
	}}
}

func TestSetupProfile(t *testing.T) {
	g := newFakeGraph(t)
	ch := newTestChannel(t, g, &memContacts{}, newClock(baseTime()), nil, nil)
	if err := ch.Setup(t.Context(), testProfile()); err != nil {
		t.Fatal(err)
	}
	calls := g.Calls()
	if len(calls) != 1 || calls[0].Path != "/v21.0/me/messenger_profile" || calls[0].Token != testToken {
		t.Fatalf("calls %+v", calls)
	}
	b := calls[0].Body
	if str(b, "get_started", "payload") != "GET_STARTED" {
		t.Errorf("get_started %v", b["get_started"])
	}
	greetings := map[string]string{}
	for _, g := range list(b, "greeting") {
		greetings[str(g, "locale")] = str(g, "text")
	}
	want := map[string]string{
		"default": testProfile().Languages["lo"].Greeting,
		"lo_LA":   testProfile().Languages["lo"].Greeting,
		"th_TH":   testProfile().Languages["th"].Greeting,
		"en_US":   testProfile().Languages["en"].Greeting,
	}
	for locale, text := range want {
		if greetings[locale] != text {
			t.Errorf("greeting %s = %q, want %q", locale, greetings[locale], text)
		}
	}
	menus := map[string][]any{}
	for _, m := range list(b, "persistent_menu") {
		menus[str(m, "locale")] = list(m, "call_to_actions")
	}
	if len(menus) != 4 {
		t.Fatalf("menus for %d locales, want 4", len(menus))
	}
	lo := menus["lo_LA"]
	if len(lo) != 3 || len(menus["default"]) != 3 {
		t.Fatalf("Lao menu %v", lo)
	}
	if str(lo[0], "type") != "postback" || str(lo[0], "payload") != "menu:main" || str(lo[0], "title") != "ເມນູ" {
		t.Errorf("item 0: %v", lo[0])
	}
	if title := str(lo[1], "title"); len([]rune(title)) > 30 || !strings.HasSuffix(title, "…") {
		t.Errorf("long title not cut to 30: %q", title)
	}
	if str(lo[2], "type") != "web_url" || str(lo[2], "url") != "https://example.org/lo" {
		t.Errorf("item 2: %v", lo[2])
	}
}

func TestSetupRefusesBadTexts(t *testing.T) {
	cases := map[string]func(p *Profile){
		"default without texts": func(p *Profile) { p.Default = "fr" },
		"unknown language":      func(p *Profile) { p.Languages["km"] = p.Languages["en"] },
		"greeting too long": func(p *Profile) {
			en := p.Languages["en"]
			en.Greeting = strings.Repeat("a", 161)
			p.Languages["en"] = en
		},
		"empty greeting": func(p *Profile) {
			th := p.Languages["th"]
			th.Greeting = " "
			p.Languages["th"] = th
		},
		"empty menu": func(p *Profile) {
			th := p.Languages["th"]
			th.Menu = nil
			p.Languages["th"] = th
		},
		"too many items": func(p *Profile) {
			th := p.Languages["th"]
			for range 20 {
				th.Menu = append(th.Menu, bot.Button{Label: "x", Payload: "x"})
			}
			p.Languages["th"] = th
		},
		"item without payload": func(p *Profile) {
			th := p.Languages["th"]
			th.Menu = []bot.Button{{Label: "x"}}
			p.Languages["th"] = th
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			g := newFakeGraph(t)
			ch := newTestChannel(t, g, &memContacts{}, newClock(baseTime()), nil, nil)
			p := testProfile()
			change(&p)
			if err := ch.Setup(t.Context(), p); err == nil {
				t.Fatal("Setup accepted it")
			}
			if len(g.Calls()) != 0 {
				t.Error("the graph api was called")
			}
		})
	}
}

func TestSetupReportsGraphErrors(t *testing.T) {
	g := newFakeGraph(t)
	g.SetRespond(func(int, graphCall) (int, string) {
		return 400, `{"error":{"message":"(#100) Invalid locale","type":"OAuthException","code":100,"fbtrace_id":"X"}}`
	})
	ch := newTestChannel(t, g, &memContacts{}, newClock(baseTime()), nil, nil)
	err := ch.Setup(t.Context(), testProfile())
	if err == nil || !strings.Contains(err.Error(), "Invalid locale") || !strings.Contains(err.Error(), "messenger profile") {
		t.Fatalf("error %v", err)
	}
}
