package handlers

import (
	"context"
	"fmt"
	"strings"

	"phuan/bot"
	"phuan/knowledge"
)

// Feedback records whether an article helped, for moderators' statistics.
type Feedback interface {
	RecordFeedback(articleID string, helpful bool) error
}

// Answers is the knowledge feature: free-text questions answered from the
// curated articles, topic browsing, read more, related topics and feedback.
type Answers struct {
	kb       *knowledge.Base
	feedback Feedback
}

// NewAnswers returns the knowledge feature.
func NewAnswers(kb *knowledge.Base, feedback Feedback) *Answers {
	return &Answers{kb: kb, feedback: feedback}
}

// maxQueryRunes bounds what is searched: a question, not a pasted book.
const maxQueryRunes = 500

// Menu offers the topic list.
func (a *Answers) Menu(t *Turn) []bot.Button {
	return []bot.Button{{Label: t.T("menu_topics"), Payload: "kb:topics"}}
}

// Handle answers knowledge buttons, /ask and free-text questions.
func (a *Answers) Handle(_ context.Context, t *Turn) (bool, error) {
	if p, ok := strings.CutPrefix(t.Msg.Payload, "kb:"); ok {
		return a.button(t, p)
	}
	if t.Msg.Payload != "" {
		return false, nil
	}
	question := t.Msg.Text
	switch {
	case t.Command == "ask" || t.Command == "topics":
		question = t.Args
		if t.Command == "topics" || question == "" {
			if t.Command == "ask" && question == "" {
				t.Say(t.T("kb_ask_usage"))
				return true, nil
			}
			a.topics(t)
			return true, nil
		}
	case t.Command != "":
		return false, nil
	}
	if strings.TrimSpace(question) == "" {
		return false, nil
	}
	return a.answer(t, question), nil
}

func (a *Answers) button(t *Turn, p string) (bool, error) {
	action, arg, _ := strings.Cut(p, ":")
	switch action {
	case "topics":
		a.topics(t)
		return true, nil
	case "cat":
		return a.category(t, arg), nil
	case "more":
		return a.readMore(t, arg), nil
	case "yes", "no":
		art := a.kb.Article(arg)
		if art == nil {
			return false, nil
		}
		if a.feedback != nil {
			if err := a.feedback.RecordFeedback(art.ID, action == "yes"); err != nil {
				return true, fmt.Errorf("record feedback: %w", err)
			}
		}
		if action == "yes" {
			t.Say(t.T("kb_thanks_feedback"), t.MenuButton())
			return true, nil
		}
		t.Say(t.T("kb_unhelpful_reply"),
			Button(t.T("kb_talk_person"), "case:new"),
			Button(t.T("menu_topics"), "kb:topics"),
			t.MenuButton())
		return true, nil
	}
	if art := a.kb.Article(action); art != nil && arg == "" {
		a.show(t, art)
		return true, nil
	}
	return false, nil
}

// answer searches for the question and shows the best article, or says it
// is not sure and offers the topics and a person.
func (a *Answers) answer(t *Turn, question string) bool {
	if r := []rune(question); len(r) > maxQueryRunes {
		question = string(r[:maxQueryRunes])
	}
	results := a.kb.Search(question, t.Lang, 3)
	if len(results) == 0 || !results[0].Confident {
		if t.Msg.ChatType == bot.ChatGroup {
			t.Say(t.T("kb_not_sure_group"))
			return true
		}
		t.Say(t.T("kb_not_sure"),
			Button(t.T("menu_topics"), "kb:topics"),
			Button(t.T("kb_talk_person"), "case:new"))
		return true
	}
	best := results[0].Article
	if t.Msg.ChatType == bot.ChatGroup {
		text := best.Text(t.Lang)
		t.Say(text.Title + "\n\n" + text.Summary)
		return true
	}
	var others []*knowledge.Article
	for _, r := range results[1:] {
		if r.Confident {
			others = append(others, r.Article)
		}
	}
	a.showWith(t, best, others)
	return true
}

// show displays an article's summary with its buttons.
func (a *Answers) show(t *Turn, art *knowledge.Article) { a.showWith(t, art, nil) }

func (a *Answers) showWith(t *Turn, art *knowledge.Article, others []*knowledge.Article) {
	text := art.Text(t.Lang)
	rows := [][]bot.Button{Button(t.T("kb_read_more"), "kb:more:"+art.ID)}
	for _, o := range others {
		rows = append(rows, Button("↪ "+o.Text(t.Lang).Title, "kb:"+o.ID))
	}
	rows = append(rows,
		[]bot.Button{{Label: t.T("kb_helpful"), Payload: "kb:yes:" + art.ID}, {Label: t.T("kb_unhelpful"), Payload: "kb:no:" + art.ID}},
		Button(t.T("kb_talk_person"), "case:new"),
		t.MenuButton())
	t.Say(text.Title+"\n\n"+text.Summary, rows...)
}

// readMore sends the whole body, its contacts and sources; the channel
// splits it to its length limit.
func (a *Answers) readMore(t *Turn, id string) bool {
	art := a.kb.Article(id)
	if art == nil {
		return false
	}
	text := art.Text(t.Lang)
	var b strings.Builder
	b.WriteString(text.Title)
	b.WriteString("\n\n")
	b.WriteString(text.Body)
	if len(art.Contacts) > 0 {
		b.WriteString("\n\n")
		b.WriteString(t.T("kb_contacts"))
		for _, c := range art.Contacts {
			b.WriteString("\n• ")
			b.WriteString(ContactLine(c, t.Lang))
			if c.Confirm {
				b.WriteString(" ")
				b.WriteString(t.T("kb_unconfirmed"))
			}
		}
	}
	var sources []string
	for _, s := range art.Sources {
		src := s.Title
		if s.Org != "" {
			src += " (" + s.Org + ")"
		}
		sources = append(sources, src)
	}
	b.WriteString("\n\n")
	b.WriteString(t.T("kb_sources", "sources", strings.Join(sources, "; "), "date", art.Reviewed))
	rows := [][]bot.Button{}
	for _, rid := range art.Related {
		if r := a.kb.Article(rid); r != nil {
			rows = append(rows, Button("↪ "+r.Text(t.Lang).Title, "kb:"+r.ID))
		}
	}
	rows = append(rows, Button(t.T("kb_talk_person"), "case:new"), t.MenuButton())
	t.Say(b.String(), rows...)
	return true
}

// ContactLine is one contact in the person's language: name, how to reach
// it and what it helps with.
func ContactLine(c knowledge.Contact, lang string) string {
	name := pick(c.Name, lang)
	var how []string
	for _, v := range []string{c.Phone, c.Address, c.Link} {
		if v != "" {
			how = append(how, v)
		}
	}
	line := name + ": " + strings.Join(how, " · ")
	if helps := pick(c.Helps, lang); helps != "" {
		line += " — " + helps
	}
	return line
}

// pick returns the text in lang, else Lao, else English.
func pick(m map[string]string, lang string) string {
	for _, l := range []string{lang, "lo", "en"} {
		if s := m[l]; s != "" {
			return s
		}
	}
	return ""
}

func (a *Answers) topics(t *Turn) {
	var rows [][]bot.Button
	for _, c := range a.kb.Categories() {
		rows = append(rows, Button(t.T("cat_"+c), "kb:cat:"+c))
	}
	t.Say(t.T("topics_title"), append(rows, t.MenuButton())...)
}

// category lists a category's articles, those for the person's situation first.
func (a *Answers) category(t *Turn, cat string) bool {
	arts := a.kb.ByCategory(cat)
	if len(arts) == 0 {
		return false
	}
	var first, rest [][]bot.Button
	for _, art := range arts {
		row := Button(art.Text(t.Lang).Title, "kb:"+art.ID)
		if a.fits(t, art) {
			first = append(first, row)
		} else {
			rest = append(rest, row)
		}
	}
	rows := append(first, rest...)
	rows = append(rows, Button(t.T("back"), "kb:topics"))
	t.Say(t.T("cat_"+cat), rows...)
	return true
}

// fits reports whether an article is for the person's country and status.
func (a *Answers) fits(t *Turn, art *knowledge.Article) bool {
	if t.Person == nil {
		return true
	}
	pr := t.Person.Profile
	country := pr.Country == "" || containsAny(art.Countries, "ALL", pr.Country)
	status := pr.Status == "" || containsAny(art.Audience, "all", string(pr.Status))
	return country && status
}

func containsAny(list []string, values ...string) bool {
	for _, x := range list {
		for _, v := range values {
			if strings.EqualFold(x, v) {
				return true
			}
		}
	}
	return false
}
