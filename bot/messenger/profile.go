package messenger

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"phuan/bot"
)

// Messenger profile limits.
const (
	maxGreetingRunes  = 160
	maxMenuItems      = 20
	maxMenuTitleRunes = 30
)

// Locale returns the Messenger locale that a Phuan language's greeting and
// menu are set for: lo → lo_LA, th → th_TH, en → en_US. lo_LA is a Facebook
// locale that Meta's list for Messenger does not name; make Lao the
// default language so Lao readers see it whatever their phone's language.
func Locale(lang string) (string, bool) {
	switch lang {
	case "lo":
		return "lo_LA", true
	case "th":
		return "th_TH", true
	case "en":
		return "en_US", true
	}
	return "", false
}

// Profile is what Setup puts on the Page's Messenger profile, in each
// language: the greeting on the welcome screen and the persistent menu.
type Profile struct {
	// Default is the language shown where none of the person's matches, e.g. "lo".
	Default string
	// Languages holds the texts by language code: "lo", "th", "en".
	Languages map[string]ProfileTexts
}

// ProfileTexts are one language's texts.
type ProfileTexts struct {
	// Greeting is shown before the person starts: at most 160 characters;
	// Messenger replaces {{user_first_name}}.
	Greeting string
	// Menu is the persistent menu: at most 20 items; titles are cut to 30
	// characters. An item with a URL opens it; otherwise it sends its payload.
	Menu []bot.Button
}

type (
	profileRequest struct {
		GetStarted     getStarted       `json:"get_started"`
		Greeting       []greeting       `json:"greeting"`
		PersistentMenu []persistentMenu `json:"persistent_menu"`
	}
	getStarted struct {
		Payload string `json:"payload"`
	}
	greeting struct {
		Locale string `json:"locale"`
		Text   string `json:"text"`
	}
	persistentMenu struct {
		Locale                string      `json:"locale"`
		ComposerInputDisabled bool        `json:"composer_input_disabled"`
		CallToActions         []outButton `json:"call_to_actions"`
	}
)

// Setup sets the Page's Messenger profile through the Messenger Profile
// API: the Get Started button (payload GET_STARTED), and the greeting and
// persistent menu for the default locale and each language in p. It is run
// by an operator once, and again when the texts change.
func (c *Channel) Setup(ctx context.Context, p Profile) error {
	req, err := profileBody(p)
	if err != nil {
		return fmt.Errorf("set up the messenger profile: %w", err)
	}
	if err := c.post(ctx, "/me/messenger_profile", req); err != nil {
		return fmt.Errorf("set up the messenger profile: %w", err)
	}
	c.log.Info("messenger profile set", "languages", len(p.Languages))
	return nil
}

func profileBody(p Profile) (profileRequest, error) {
	def, ok := p.Languages[p.Default]
	if !ok {
		return profileRequest{}, fmt.Errorf("the default language %q has no texts", p.Default)
	}
	langs := make([]string, 0, len(p.Languages))
	for lang := range p.Languages {
		if _, ok := Locale(lang); !ok {
			return profileRequest{}, fmt.Errorf("language %q has no Messenger locale (known: lo, th, en)", lang)
		}
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	req := profileRequest{GetStarted: getStarted{Payload: GetStartedPayload}}
	add := func(locale, lang string, t ProfileTexts) error {
		text := strings.TrimSpace(t.Greeting)
		if text == "" {
			return fmt.Errorf("the %s greeting is empty", lang)
		}
		if n := len([]rune(text)); n > maxGreetingRunes {
			return fmt.Errorf("the %s greeting has %d characters; Messenger allows %d", lang, n, maxGreetingRunes)
		}
		menu, err := menuButtons(lang, t.Menu)
		if err != nil {
			return err
		}
		req.Greeting = append(req.Greeting, greeting{Locale: locale, Text: text})
		req.PersistentMenu = append(req.PersistentMenu, persistentMenu{Locale: locale, CallToActions: menu})
		return nil
	}
	if err := add("default", p.Default, def); err != nil {
		return profileRequest{}, err
	}
	for _, lang := range langs {
		locale, _ := Locale(lang)
		if err := add(locale, lang, p.Languages[lang]); err != nil {
			return profileRequest{}, err
		}
	}
	return req, nil
}

func menuButtons(lang string, items []bot.Button) ([]outButton, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("the %s menu is empty", lang)
	}
	if len(items) > maxMenuItems {
		return nil, fmt.Errorf("the %s menu has %d items; Messenger allows %d", lang, len(items), maxMenuItems)
	}
	ok, dropped := usableButtons([][]bot.Button{items})
	if dropped > 0 {
		return nil, errors.New("the " + lang + " menu has an item without a title, or without a payload or http(s) link, or with a payload over 1000 characters")
	}
	out := make([]outButton, 0, len(ok))
	for _, b := range ok {
		title := cutTitle(b.Label, maxMenuTitleRunes)
		if b.URL != "" {
			out = append(out, outButton{Type: "web_url", Title: title, URL: b.URL})
		} else {
			out = append(out, outButton{Type: "postback", Title: title, Payload: b.Payload})
		}
	}
	return out, nil
}
