package handlers

import (
	"fmt"
	"regexp"

	"phuan/bot"
	"phuan/store"
)

// Flows and steps of onboarding and profile editing.
const (
	flowOnboard  = "onboard"
	flowProfile  = "profile"
	stepLang     = "lang"
	stepConsent  = "consent"
	stepCountry  = "country"
	stepStatus   = "status"
	stepProvince = "province"
)

// Countries offered in the profile, Laos first; ZZ stands for any other.
var Countries = []string{"LA", "TH", "KR", "MY", "JP", "ZZ"}

// Provinces of Laos (ISO 3166-2:LA codes without the prefix).
var Provinces = []string{"VT", "PH", "LM", "OU", "BK", "LP", "HO", "XA", "XI", "VI", "BL", "KH", "SV", "SL", "SE", "CH", "AT", "XS"}

// deepLink is the form of a /start payload: at most 64 of A-Za-z0-9_-.
var deepLink = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (d *Dialogue) start(t *Turn) {
	if t.Person != nil {
		t.Say(t.T("welcome_back"))
		d.menu(t)
		return
	}
	t.StartFlow(flowOnboard, stepLang)
	if deepLink.MatchString(t.Args) {
		t.Conv.Answers["source"] = t.Args
	}
	t.Say(t.T("welcome"))
	d.askLanguage(t)
}

func (d *Dialogue) askLanguage(t *Turn) {
	rows := make([][]bot.Button, 0, len(Languages))
	for _, l := range Languages {
		rows = append(rows, Button(t.T("lang_name_"+l), "lang:"+l))
	}
	t.Say(t.T("choose_language"), rows...)
}

func (d *Dialogue) chooseLanguage(t *Turn, lang string) error {
	t.Lang = lang
	t.Changed()
	if t.Person != nil && t.Person.Lang != lang {
		p, err := d.store.UpdatePerson(t.Person.ID, func(p *store.Person) error {
			p.Lang = lang
			return nil
		})
		if err != nil {
			return err
		}
		t.Person = p
	}
	t.Say(t.T("language_set"))
	if t.Conv.Flow == flowOnboard && t.Conv.Step == stepLang {
		d.askConsent(t)
		return nil
	}
	d.menu(t)
	return nil
}

func (d *Dialogue) askConsent(t *Turn) {
	if t.Person != nil {
		d.menu(t)
		return
	}
	t.StartFlow(flowOnboard, stepConsent)
	t.Say(t.T("privacy_notice"),
		Button(t.T("consent_yes"), StepPayload(flowOnboard, stepConsent, "yes")),
		Button(t.T("consent_no"), StepPayload(flowOnboard, stepConsent, "no")))
}

// profileStep handles the buttons of onboarding and profile editing.
func (d *Dialogue) profileStep(t *Turn, step, value string) error {
	flow := t.Conv.Flow
	if step == stepConsent {
		return d.consent(t, value == "yes")
	}
	if t.Person == nil {
		d.askConsent(t)
		return nil
	}
	switch step {
	case stepCountry:
		if value != "skip" && !contains(Countries, value) {
			d.stale(t)
			return nil
		}
		abroad := value != "skip" && value != "LA"
		if err := d.updateProfile(t, func(p *store.Profile) {
			if value == "skip" {
				return
			}
			p.Country = value
			if abroad {
				p.Status, p.Province = store.StatusAbroad, ""
			}
		}); err != nil {
			return err
		}
		if value == "LA" {
			t.StartFlow(flow, stepStatus)
			t.Say(t.T("ask_status"),
				Button(t.T("status_returned"), StepPayload(flow, stepStatus, string(store.StatusReturned))),
				Button(t.T("status_planning"), StepPayload(flow, stepStatus, string(store.StatusPlanning))),
				Button(t.T("skip"), StepPayload(flow, stepStatus, "skip")))
			return nil
		}
	case stepStatus:
		if value != "skip" && value != string(store.StatusReturned) && value != string(store.StatusPlanning) {
			d.stale(t)
			return nil
		}
		if value != "skip" {
			if err := d.updateProfile(t, func(p *store.Profile) { p.Status = store.Status(value) }); err != nil {
				return err
			}
		}
		t.StartFlow(flow, stepProvince)
		rows := make([][]bot.Button, 0, len(Provinces)+1)
		for _, code := range Provinces {
			rows = append(rows, Button(t.T("province_"+code), StepPayload(flow, stepProvince, code)))
		}
		rows = append(rows, Button(t.T("skip"), StepPayload(flow, stepProvince, "skip")))
		t.Say(t.T("ask_province"), rows...)
		return nil
	case stepProvince:
		if value != "skip" && !contains(Provinces, value) {
			d.stale(t)
			return nil
		}
		if value != "skip" {
			if err := d.updateProfile(t, func(p *store.Profile) { p.Province = value }); err != nil {
				return err
			}
		}
	default:
		d.stale(t)
		return nil
	}
	t.EndFlow()
	t.Say(t.T("profile_done"))
	d.menu(t)
	return nil
}

func (d *Dialogue) consent(t *Turn, agreed bool) error {
	if !agreed {
		t.Conv.Declined = true
		t.EndFlow()
		t.Say(t.T("consent_declined"))
		d.menu(t)
		return nil
	}
	p := &store.Person{Lang: t.Lang, ConsentAt: t.Now, CreatedAt: t.Now, LastSeenAt: t.Now,
		Source: t.Conv.Answers["source"]}
	if err := d.store.CreatePerson(p, store.Identity{Channel: t.Msg.Channel, PlatformID: t.Msg.UserID}); err != nil {
		return err
	}
	t.Person = p
	t.Conv.Declined = false
	t.StartFlow(flowOnboard, stepCountry)
	delete(t.Conv.Answers, "source")
	t.Say(t.T("consent_thanks"))
	d.askCountry(t)
	return nil
}

func (d *Dialogue) askCountry(t *Turn) {
	flow := t.Conv.Flow
	rows := make([][]bot.Button, 0, len(Countries)+1)
	for _, c := range Countries {
		key := "country_" + c
		if c == "ZZ" {
			key = "country_other"
		}
		rows = append(rows, Button(t.T(key), StepPayload(flow, stepCountry, c)))
	}
	rows = append(rows, Button(t.T("skip"), StepPayload(flow, stepCountry, "skip")))
	t.Say(t.T("ask_country"), rows...)
}

func (d *Dialogue) updateProfile(t *Turn, change func(*store.Profile)) error {
	p, err := d.store.UpdatePerson(t.Person.ID, func(p *store.Person) error {
		change(&p.Profile)
		return nil
	})
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	t.Person = p
	return nil
}

// menuButtons are the main menu: every feature's entries, then settings and help.
func (d *Dialogue) menuButtons(t *Turn) [][]bot.Button {
	var rows [][]bot.Button
	order := d.menuOrder
	if order == nil {
		order = d.features
	}
	for _, f := range order {
		for _, b := range f.Menu(t) {
			rows = append(rows, []bot.Button{b})
		}
	}
	return append(rows, Button(t.T("menu_settings"), "settings"), Button(t.T("menu_help"), "help"))
}

func (d *Dialogue) menu(t *Turn) {
	t.Say(t.T("menu_title"), d.menuButtons(t)...)
}

// MenuButton is the one-button row that opens the main menu.
func (t *Turn) MenuButton() []bot.Button { return Button(t.T("menu_button"), "menu") }

func (d *Dialogue) settings(t *Turn) {
	rows := [][]bot.Button{Button(t.T("settings_language"), "settings:lang")}
	if t.Person == nil {
		t.Say(t.T("settings_title_declined", "lang", t.T("lang_name_"+t.Lang)),
			append(rows, Button(t.T("settings_consent"), "settings:consent"), t.MenuButton())...)
		return
	}
	pr := t.Person.Profile
	country, status, province := t.T("not_set"), t.T("not_set"), t.T("not_set")
	switch {
	case pr.Country == "ZZ":
		country = t.T("country_other")
	case pr.Country != "":
		country = t.T("country_" + pr.Country)
	}
	if pr.Status != "" {
		status = t.T("status_" + string(pr.Status))
	}
	if pr.Province != "" {
		province = t.T("province_" + pr.Province)
	}
	t.Say(t.T("settings_title", "lang", t.T("lang_name_"+t.Lang), "country", country, "status", status, "province", province),
		append(rows, Button(t.T("settings_profile"), "settings:profile"), t.MenuButton())...)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
