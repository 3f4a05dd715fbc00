package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"phuan/bot"
	"phuan/store"
)

// PersonalData is implemented by features that keep something about a
// person, so /mydata can show all of it.
type PersonalData interface {
	// Describe lists what the feature keeps about the turn's person or chat,
	// one line each, in their language; nil when nothing.
	Describe(t *Turn) ([]string, error)
	// Export returns the same as plain data for the JSON file, under key.
	Export(t *Turn) (key string, data any, err error)
}

// Eraser erases a subject's records and compacts the store. Cases are
// erased first, apart, because they survive as anonymous counts.
type Eraser interface {
	SubjectOf(personID string, chats ...store.Chat) (store.Subject, error)
	EraseChatCases(channel, chatID string, now time.Time) ([]string, error)
	Erase(sub store.Subject) error
}

// PrivacyConfig configures the privacy feature.
type PrivacyConfig struct {
	Store Eraser
	// Cases, when set, is told of erased cases (the room gets a notice) and
	// lists the person's cases in /mydata.
	Cases *Cases
	// Courses, when set, lists enrolments in /mydata and erases them first
	// on /forget (a freed seat goes to the next person waiting).
	Courses       *Courses
	RetentionDays int            // PHUAN_RETENTION_DAYS
	Holders       []PersonalData // other features that keep personal data
}

// Privacy is the privacy feature: /privacy, /mydata, /forget, /clear and
// the quick exit.
type Privacy struct {
	eraser        Eraser
	cases         *Cases
	courses       *Courses
	holders       []PersonalData
	retentionDays int
}

// NewPrivacy returns the privacy feature.
func NewPrivacy(cfg PrivacyConfig) *Privacy {
	holders := cfg.Holders
	if cfg.Courses != nil {
		holders = append([]PersonalData{cfg.Courses}, holders...)
	}
	if cfg.Cases != nil {
		holders = append([]PersonalData{cfg.Cases}, holders...)
	}
	return &Privacy{eraser: cfg.Store, cases: cfg.Cases, courses: cfg.Courses, holders: holders,
		retentionDays: cfg.RetentionDays}
}

const (
	flowForget    = "forget"
	stepForgetAsk = "confirm"
)

// Menu offers the privacy entry.
func (p *Privacy) Menu(t *Turn) []bot.Button {
	return []bot.Button{{Label: t.T("menu_privacy"), Payload: "privacy"}}
}

// QuickExit is the button sensitive flows carry: it clears recent messages
// and leaves a neutral screen.
func QuickExit(t *Turn) []bot.Button { return Button(t.T("quick_exit"), "privacy:exit") }

// Handle takes the privacy commands and buttons.
func (p *Privacy) Handle(_ context.Context, t *Turn) (bool, error) {
	action := ""
	switch {
	case t.Msg.Payload == "privacy":
		action = "privacy"
	case strings.HasPrefix(t.Msg.Payload, "privacy:"):
		action = strings.TrimPrefix(t.Msg.Payload, "privacy:")
	case t.Conv.Flow == flowForget && strings.HasPrefix(t.Msg.Payload, "step:"):
		_, step, value, ok := parseStep(t.Msg.Payload)
		if !ok || step != stepForgetAsk {
			return false, nil
		}
		action = "forget:" + value
	case t.Msg.Payload == "":
		switch t.Command {
		case "privacy", "mydata", "forget", "clear":
			action = t.Command
		}
	}
	if action == "" {
		return false, nil
	}
	if t.Msg.ChatType == bot.ChatGroup {
		t.Say(t.T("privacy_private_only"), t.PrivateChatButton()...)
		return true, nil
	}
	switch action {
	case "privacy":
		t.Say(t.T("privacy_explained", "days", fmt.Sprint(p.retentionDays)),
			Button(t.T("privacy_mydata"), "privacy:mydata"),
			Button(t.T("privacy_forget"), "privacy:forget"),
			Button(t.T("privacy_clear"), "privacy:clear"),
			t.MenuButton())
	case "mydata":
		return true, p.myData(t)
	case "forget":
		t.StartFlow(flowForget, stepForgetAsk)
		t.Say(t.T("forget_confirm"),
			Button(t.T("forget_yes"), StepPayload(flowForget, stepForgetAsk, "yes")),
			Button(t.T("forget_no"), StepPayload(flowForget, stepForgetAsk, "no")))
	case "forget:yes":
		return true, p.forget(t)
	case "forget:no":
		t.EndFlow()
		t.Say(t.T("forget_kept"), t.MenuButton())
	case "clear":
		t.Send(bot.Reply{Text: t.T("cleared"), ClearRecent: true, Buttons: [][]bot.Button{t.MenuButton()}})
	case "exit":
		t.EndFlow()
		t.Send(bot.Reply{Text: t.T("neutral_screen"), ClearRecent: true})
	default:
		return false, nil
	}
	return true, nil
}

func (p *Privacy) myData(t *Turn) error {
	lines := []string{t.T("mydata_title"), t.T("mydata_language", "lang", t.T("lang_name_"+t.Lang))}
	export := map[string]any{"language": t.Lang, "channel": t.Msg.Channel}
	if t.Person == nil {
		lines = append(lines, t.T("mydata_no_profile"))
	} else {
		pr := t.Person.Profile
		lines = append(lines, t.T("mydata_profile",
			"country", orNotSet(t, pr.Country, "country_"), "status", orNotSet(t, string(pr.Status), "status_"),
			"province", orNotSet(t, pr.Province, "province_"),
			"consent", t.Person.ConsentAt.Format("2006-01-02")))
		export["person"] = map[string]any{"id": t.Person.ID, "profile": pr, "consent_at": t.Person.ConsentAt,
			"created_at": t.Person.CreatedAt, "last_seen_at": t.Person.LastSeenAt, "source": t.Person.Source}
	}
	for _, h := range p.holders {
		more, err := h.Describe(t)
		if err != nil {
			return fmt.Errorf("describe personal data: %w", err)
		}
		lines = append(lines, more...)
		key, data, err := h.Export(t)
		if err != nil {
			return fmt.Errorf("export personal data: %w", err)
		}
		if data != nil {
			export[key] = data
		}
	}
	raw, err := json.MarshalIndent(export, "", "  ")
	if err != nil {
		return fmt.Errorf("encode personal data: %w", err)
	}
	reply := bot.Reply{Text: strings.Join(lines, "\n"),
		Buttons: [][]bot.Button{Button(t.T("privacy_forget"), "privacy:forget"), t.MenuButton()}}
	if t.Msg.Channel == "telegram" {
		reply.Media = []bot.Media{{Kind: bot.MediaDocument, Name: "phuan-my-data.json", MIME: "application/json", Data: raw}}
	}
	t.Send(reply)
	return nil
}

func orNotSet(t *Turn, v, prefix string) string {
	switch {
	case v == "":
		return t.T("not_set")
	case v == "ZZ":
		return t.T("country_other")
	}
	return t.T(prefix + v)
}

func (p *Privacy) forget(t *Turn) error {
	personID := ""
	if t.Person != nil {
		personID = t.Person.ID
	}
	sub, err := p.eraser.SubjectOf(personID, store.Chat{Channel: t.Msg.Channel, ChatID: t.Msg.ChatID})
	if err != nil {
		return err
	}
	if p.courses != nil {
		if err := p.courses.Forget(t); err != nil {
			return err
		}
	}
	var erased []string
	for _, c := range sub.Chats {
		ids, err := p.eraser.EraseChatCases(c.Channel, c.ChatID, t.Now)
		if err != nil {
			return err
		}
		erased = append(erased, ids...)
	}
	if err := p.eraser.Erase(sub); err != nil {
		return err
	}
	if p.cases != nil {
		for _, e := range p.cases.ErasedNotices(erased) {
			t.Queue(e)
		}
	}
	lang := t.Lang
	t.Forgotten()
	t.Lang = lang
	t.Send(bot.Reply{Text: t.T("forgotten"), ClearRecent: true})
	return nil
}
