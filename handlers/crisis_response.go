package handlers

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"phuan/bot"
	"phuan/handlers/crisis"
	"phuan/knowledge"
)

// CrisisDetector finds messages that signal danger; *crisis.Detector is one.
type CrisisDetector interface {
	Detect(text string) crisis.Detection
}

// CrisisResponse is the feature that runs before every other on each
// free-text message: when the message signals danger it answers at once
// with the emergency contacts for where the person is (the first line
// neutral, as it shows on a locked screen), then offers a helper now. A
// person with an open case has it marked urgent and the message relayed.
type CrisisResponse struct {
	detector CrisisDetector
	cases    *Cases
	log      *slog.Logger
}

// NewCrisisResponse returns the crisis feature; place it first among the features.
func NewCrisisResponse(detector CrisisDetector, cases *Cases, logger *slog.Logger) *CrisisResponse {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &CrisisResponse{detector: detector, cases: cases, log: logger.With("component", "crisis")}
}

// Menu has no entries.
func (r *CrisisResponse) Menu(*Turn) []bot.Button { return nil }

// Handle answers a message that signals danger and lets any other pass.
// It reads free text (and the question of /ask), never other commands,
// button payloads or the moderators' room.
func (r *CrisisResponse) Handle(ctx context.Context, t *Turn) (bool, error) {
	m := t.Msg
	if m.Payload != "" || m.Event != bot.EventNone || r.cases.mods.InRoom(m) {
		return false, nil
	}
	text := m.Text
	switch t.Command {
	case "":
	case "ask":
		text = t.Args
	default:
		return false, nil
	}
	if strings.TrimSpace(text) == "" {
		return false, nil
	}
	det := r.detector.Detect(text)
	if !det.Crisis {
		return false, nil
	}
	cats := make([]string, 0, len(det.Categories))
	for _, c := range det.Categories {
		cats = append(cats, string(c))
	}
	r.log.Info("crisis message", "channel", m.Channel, "chat_type", string(m.ChatType),
		"categories", strings.Join(cats, ","), "urgent", det.Urgent, "country_hint", det.Country != "")
	r.cases.sayContacts(t, r.cases.countriesFor(t, "", det.Country), cats...)
	if m.ChatType != bot.ChatPrivate {
		t.Say(t.T("crisis_group"), t.PrivateChatButton()...)
		return true, nil
	}
	return true, r.cases.crisis(ctx, t, text, crisisCategory(det.Categories))
}

// crisisCategory picks the intake category a detection points to, the
// gravest first, or "".
func crisisCategory(cats []crisis.Category) string {
	for _, rule := range []struct {
		from     []crisis.Category
		category string
	}{
		{[]crisis.Category{crisis.Trafficking, crisis.Confinement, crisis.DebtBondage}, "trapped"},
		{[]crisis.Category{crisis.Violence, crisis.SexualAbuse, crisis.Threats}, "violence"},
		{[]crisis.Category{crisis.DocumentsTaken}, "documents_taken"},
		{[]crisis.Category{crisis.SelfHarm, crisis.MedicalEmergency}, "health"},
	} {
		for _, c := range cats {
			if slices.Contains(rule.from, c) {
				return rule.category
			}
		}
	}
	return ""
}

// crisis continues after the emergency contacts: an open case is marked
// urgent and gets the message; an intake under way opens its case now;
// otherwise the message is held and a helper is offered. Without helpers
// the person is asked to call the numbers.
func (c *Cases) crisis(ctx context.Context, t *Turn, text, category string) error {
	ensureAnswers(t)
	if !c.Staffed() {
		t.Say(t.T("crisis_no_helpers"), t.MenuButton())
		return nil
	}
	if ok, err := c.capture(ctx, t, true); ok || err != nil {
		return err
	}
	if c.beforeOpen(t) {
		if t.Conv.Answers[ansCategory] == "" && category != "" {
			t.Conv.Answers[ansCategory] = category
		}
		return c.openFromMessage(ctx, t, true)
	}
	held := ""
	if t.Conv.Flow == flowCase && t.Conv.Step == stepCrisis {
		held = t.Conv.Answers[ansCrisis]
	}
	if held != "" {
		held += "\n"
	}
	held += text
	if r := []rune(held); len(r) > maxCrisisText {
		held = string(r[len(r)-maxCrisisText:])
	}
	t.EndFlow()
	t.StartFlow(flowCase, stepCrisis)
	t.Conv.Answers[ansCrisis] = held
	if category != "" {
		t.Conv.Answers[ansCategory] = category
	}
	t.Say(t.T("crisis_offer"),
		Button(t.T("crisis_talk_now"), StepPayload(flowCase, stepCrisis, "now")),
		t.MenuButton())
	return nil
}

// countriesFor says whose emergency contacts to show: the country first
// names when known, else the person's profile, else fallback (what the
// message said), else Laos and Thailand.
func (c *Cases) countriesFor(t *Turn, first, fallback string) []string {
	known := func(code string) bool { return code != "ZZ" && slices.Contains(Countries, code) }
	first, fallback = strings.ToUpper(strings.TrimSpace(first)), strings.ToUpper(strings.TrimSpace(fallback))
	switch {
	case known(first):
		return []string{first}
	case t.Person != nil && known(t.Person.Profile.Country):
		return []string{t.Person.Profile.Country}
	case known(fallback):
		return []string{fallback}
	}
	return []string{"LA", "TH"}
}

// sayContacts sends the emergency contacts of countries, from the
// knowledge base's contacts that name their source, those meant for one of
// the kinds of danger detected first. Its first line is neutral: it shows
// on a locked screen.
func (c *Cases) sayContacts(t *Turn, countries []string, detected ...string) {
	var b strings.Builder
	b.WriteString(t.T("crisis_title"))
	shown := 0
	for _, country := range countries {
		var list []knowledge.Contact
		if c.contacts != nil {
			for _, ct := range c.contacts.EmergencyContacts(country) {
				if strings.TrimSpace(ct.Source) != "" && strings.EqualFold(ct.Country, country) {
					list = append(list, ct)
				}
			}
		}
		if len(list) == 0 {
			continue
		}
		slices.SortStableFunc(list, func(a, b knowledge.Contact) int {
			return rankFor(a, detected) - rankFor(b, detected)
		})
		b.WriteString("\n\n" + t.T("crisis_in_country", "country", countryName(t.T, country)))
		for _, ct := range list {
			b.WriteString("\n" + contactLine(ct, t.Lang))
			shown++
		}
	}
	if shown == 0 {
		b.WriteString("\n" + t.T("crisis_no_contacts"))
	}
	t.Say(b.String())
}

// rankFor is 0 for a contact that is a first call for one of the kinds of
// danger, 1 for any other.
func rankFor(ct knowledge.Contact, kinds []string) int {
	if slices.ContainsFunc(ct.For, func(k string) bool { return slices.Contains(kinds, k) }) {
		return 0
	}
	return 1
}

// contactLine is "📞 191 · Police (Thailand)" and what it helps with.
func contactLine(ct knowledge.Contact, lang string) string {
	var reach string
	switch {
	case ct.Phone != "":
		reach = "📞 " + ct.Phone
	case ct.Link != "":
		reach = "🔗 " + ct.Link
	default:
		reach = "📍 " + ct.Address
	}
	line := reach + " · " + pick(ct.Name, lang)
	if helps := pick(ct.Helps, lang); helps != "" {
		line += "\n   " + helps
	}
	return line
}
