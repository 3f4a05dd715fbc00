package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"phuan/bot"
	"phuan/store"
)

// BroadcastStore is what the moderators' broadcast flow needs from the store.
type BroadcastStore interface {
	CreateBroadcast(b *store.Broadcast, now time.Time) error
	Broadcasts() ([]store.Broadcast, error)
	CancelBroadcast(id string, now time.Time) (*store.Broadcast, error)
	CountAudience(a store.Audience) (int, error)
}

// BroadcastConfig configures the broadcast flow.
type BroadcastConfig struct {
	Store      BroadcastStore
	Moderators *Moderators
	Location   *time.Location // times typed by moderators are read in it
	Wake       func()         // asks the broadcaster to look now; may be nil
	Logger     *slog.Logger
}

// Broadcasts is the moderators' /broadcast flow: audience by language,
// country, status, province, channel and topic (buttons), a text per
// language (Lao required, and the fallback), a preview, then now, at a
// time or recurring by a cron expression. Also /broadcasts (list) and
// /broadcast cancel ID.
type Broadcasts struct {
	cfg BroadcastConfig
	log *slog.Logger
}

// Flow, steps and limits of composing a broadcast.
const (
	flowBroadcast    = "bcast"
	stepBcAudience   = "audience"
	stepBcText       = "text"
	stepBcPreview    = "preview"
	stepBcWhen       = "when"
	stepBcCron       = "cron"
	maxBroadcastText = 4000
)

// audience dimensions offered, with their choices.
var broadcastDims = []string{"lang", "country", "status", "province", "channel", "topic"}

// BroadcastChannels are the channels a broadcast can be limited to.
var BroadcastChannels = []string{"telegram", "messenger"}

// NewBroadcasts returns the broadcast flow.
func NewBroadcasts(cfg BroadcastConfig) *Broadcasts {
	if cfg.Location == nil {
		cfg.Location = store.LaoTime()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Broadcasts{cfg: cfg, log: cfg.Logger.With("component", "broadcasts")}
}

// Menu offers nothing: the flow is for moderators, by command.
func (b *Broadcasts) Menu(*Turn) []bot.Button { return nil }

// Handle takes /broadcast, /broadcasts, their buttons and the texts typed
// while composing.
func (b *Broadcasts) Handle(ctx context.Context, t *Turn) (bool, error) {
	p := t.Msg.Payload
	flow, step, value, isStep := parseStep(p)
	ours := t.Command == "broadcast" || t.Command == "broadcasts" || strings.HasPrefix(p, "bc:") ||
		(isStep && flow == flowBroadcast)
	typing := !ours && p == "" && t.Command == "" && t.Conv.Flow == flowBroadcast &&
		(t.Conv.Step == stepBcText || t.Conv.Step == stepBcWhen || t.Conv.Step == stepBcCron)
	if !ours && !typing {
		return false, nil
	}
	if !b.cfg.Moderators.Allowed(t.Msg) {
		if typing {
			return false, nil
		}
		b.log.Warn("broadcast command refused: not a moderator", "channel", t.Msg.Channel, "chat_type", string(t.Msg.ChatType))
		t.Say(t.T("bc_not_allowed"))
		return true, nil
	}
	if typing {
		if t.Msg.UserID != t.Conv.Answers["author"] {
			return false, nil // someone else talking in the room
		}
		return true, b.typed(t)
	}
	switch {
	case t.Command == "broadcasts":
		return true, b.list(t)
	case t.Command == "broadcast":
		if id, ok := strings.CutPrefix(t.Args, "cancel"); ok {
			return true, b.cancel(t, strings.TrimSpace(id))
		}
		b.begin(t)
		return true, nil
	case strings.HasPrefix(p, "bc:cancel:"):
		return true, b.cancel(t, strings.TrimPrefix(p, "bc:cancel:"))
	}
	if flow != t.Conv.Flow || step != t.Conv.Step {
		t.Say(t.T("bc_stale"))
		return true, nil
	}
	if value == "quit" {
		t.EndFlow()
		t.Say(t.T("bc_quit"))
		return true, nil
	}
	switch step {
	case stepBcAudience:
		return true, b.audienceStep(t, value)
	case stepBcText:
		return true, b.textStep(t, value)
	case stepBcPreview:
		return true, b.previewStep(t, value)
	}
	return true, nil
}

func (b *Broadcasts) begin(t *Turn) {
	t.EndFlow()
	t.StartFlow(flowBroadcast, stepBcAudience)
	t.Conv.Answers["author"] = t.Msg.UserID
	b.showAudience(t)
}

func quitButton(t *Turn, step string) []bot.Button {
	return Button(t.T("bc_quit_button"), StepPayload(flowBroadcast, step, "quit"))
}

// audience reads the audience chosen so far.
func audienceOf(a map[string]string) store.Audience {
	list := func(k string) []string {
		if a[k] == "" {
			return nil
		}
		return strings.Split(a[k], ",")
	}
	statuses := []store.Status{}
	for _, s := range list("status") {
		statuses = append(statuses, store.Status(s))
	}
	if len(statuses) == 0 {
		statuses = nil
	}
	return store.Audience{Langs: list("lang"), Countries: list("country"), Statuses: statuses,
		Provinces: list("province"), Channels: list("channel"), Topic: store.Topic(a["topic"])}
}

// choices are the values a dimension offers, with their labels.
func (b *Broadcasts) choices(t *Turn, dim string) (values, labels []string) {
	switch dim {
	case "lang":
		for _, l := range Languages {
			values, labels = append(values, l), append(labels, t.T("lang_name_"+l))
		}
	case "country":
		for _, c := range Countries {
			key := "country_" + c
			if c == "ZZ" {
				key = "country_other"
			}
			values, labels = append(values, c), append(labels, t.T(key))
		}
	case "status":
		for _, s := range []store.Status{store.StatusAbroad, store.StatusPlanning, store.StatusReturned} {
			values, labels = append(values, string(s)), append(labels, t.T("status_"+string(s)))
		}
	case "province":
		for _, p := range Provinces {
			values, labels = append(values, p), append(labels, t.T("province_"+p))
		}
	case "channel":
		for _, c := range BroadcastChannels {
			values, labels = append(values, c), append(labels, t.T("channel_"+c))
		}
	case "topic":
		for _, tp := range store.Topics {
			values, labels = append(values, string(tp)), append(labels, t.T("topic_"+string(tp)))
		}
	}
	return values, labels
}

// describe writes a dimension's current choice.
func (b *Broadcasts) describe(t *Turn, dim string) string {
	chosen := t.Conv.Answers[dim]
	if chosen == "" {
		if dim == "topic" {
			return t.T("bc_everyone")
		}
		return t.T("bc_any")
	}
	values, labels := b.choices(t, dim)
	var names []string
	for _, v := range strings.Split(chosen, ",") {
		if i := slices.Index(values, v); i >= 0 {
			names = append(names, labels[i])
		}
	}
	return strings.Join(names, ", ")
}

func (b *Broadcasts) summary(t *Turn) string {
	lines := []string{t.T("bc_audience_title")}
	for _, dim := range broadcastDims {
		lines = append(lines, t.T("bc_dim_"+dim)+": "+b.describe(t, dim))
	}
	return strings.Join(lines, "\n")
}

func (b *Broadcasts) showAudience(t *Turn) {
	rows := make([][]bot.Button, 0, len(broadcastDims)+2)
	for _, dim := range broadcastDims {
		rows = append(rows, Button(shortLabel(t.T("bc_dim_"+dim)+": "+b.describe(t, dim)),
			StepPayload(flowBroadcast, stepBcAudience, "pick:"+dim)))
	}
	rows = append(rows, Button(t.T("bc_next_text"), StepPayload(flowBroadcast, stepBcAudience, "next")),
		quitButton(t, stepBcAudience))
	t.Say(b.summary(t), rows...)
}

func (b *Broadcasts) showPicker(t *Turn, dim string) {
	values, labels := b.choices(t, dim)
	chosen := strings.Split(t.Conv.Answers[dim], ",")
	rows := make([][]bot.Button, 0, len(values)+2)
	for i, v := range values {
		mark := "☐ "
		if slices.Contains(chosen, v) {
			mark = "✅ "
		}
		rows = append(rows, Button(mark+labels[i], StepPayload(flowBroadcast, stepBcAudience, "set:"+dim+":"+v)))
	}
	anyLabel := t.T("bc_any")
	if dim == "topic" {
		anyLabel = t.T("bc_everyone")
	}
	rows = append(rows, Button(anyLabel, StepPayload(flowBroadcast, stepBcAudience, "set:"+dim+":")),
		Button(t.T("bc_done"), StepPayload(flowBroadcast, stepBcAudience, "back")))
	t.Say(t.T("bc_pick_"+dim), rows...)
}

func (b *Broadcasts) audienceStep(t *Turn, value string) error {
	switch {
	case value == "back":
		b.showAudience(t)
	case value == "next":
		b.askText(t, "lo")
	case strings.HasPrefix(value, "pick:"):
		dim := strings.TrimPrefix(value, "pick:")
		if !slices.Contains(broadcastDims, dim) {
			b.showAudience(t)
			return nil
		}
		b.showPicker(t, dim)
	case strings.HasPrefix(value, "set:"):
		dim, v, _ := strings.Cut(strings.TrimPrefix(value, "set:"), ":")
		if !slices.Contains(broadcastDims, dim) {
			b.showAudience(t)
			return nil
		}
		values, _ := b.choices(t, dim)
		switch {
		case v == "":
			delete(t.Conv.Answers, dim)
		case !slices.Contains(values, v):
		case dim == "topic":
			t.Conv.Answers[dim] = v
		default:
			var chosen []string
			if t.Conv.Answers[dim] != "" {
				chosen = strings.Split(t.Conv.Answers[dim], ",")
			}
			if i := slices.Index(chosen, v); i >= 0 {
				chosen = slices.Delete(chosen, i, i+1)
			} else {
				chosen = append(chosen, v)
			}
			t.Conv.Answers[dim] = strings.Join(chosen, ",")
		}
		t.Changed()
		if dim == "topic" || v == "" {
			b.showAudience(t)
			return nil
		}
		b.showPicker(t, dim)
	}
	return nil
}

func (b *Broadcasts) askText(t *Turn, lang string) {
	t.StartFlow(flowBroadcast, stepBcText)
	t.Conv.Answers["await"] = lang
	t.Say(t.T("bc_ask_text", "lang", t.T("lang_name_"+lang)), quitButton(t, stepBcText))
}

// typed takes a text, a time or a cron expression the author typed.
func (b *Broadcasts) typed(t *Turn) error {
	text := strings.TrimSpace(t.Msg.Text)
	switch t.Conv.Step {
	case stepBcText:
		lang := t.Conv.Answers["await"]
		if !slices.Contains(Languages, lang) {
			lang = "lo"
		}
		if text == "" || utf8.RuneCountInString(text) > maxBroadcastText {
			t.Say(t.T("bc_bad_text", "max", strconv.Itoa(maxBroadcastText)), quitButton(t, stepBcText))
			return nil
		}
		t.Conv.Answers["text_"+lang] = text
		t.Changed()
		rows := [][]bot.Button{}
		for _, l := range Languages[1:] {
			if t.Conv.Answers["text_"+l] == "" {
				rows = append(rows, Button(t.T("bc_add_lang", "lang", t.T("lang_name_"+l)), StepPayload(flowBroadcast, stepBcText, "add:"+l)))
			}
		}
		rows = append(rows, Button(t.T("bc_preview_button"), StepPayload(flowBroadcast, stepBcText, "preview")),
			quitButton(t, stepBcText))
		t.Say(t.T("bc_text_saved", "lang", t.T("lang_name_"+lang)), rows...)
	case stepBcWhen:
		at, err := parseLocalTime(text, b.cfg.Location)
		if err != nil || !at.After(t.Now) {
			t.Say(t.T("bc_bad_time", "zone", zoneName(t, b.cfg.Location)), quitButton(t, stepBcWhen))
			return nil
		}
		return b.create(t, at, "")
	case stepBcCron:
		if _, err := store.NextRecurrence(text, t.Now, b.cfg.Location); err != nil {
			t.Say(t.T("bc_bad_cron"), quitButton(t, stepBcCron))
			return nil
		}
		return b.create(t, time.Time{}, text)
	}
	return nil
}

func (b *Broadcasts) textStep(t *Turn, value string) error {
	if lang, ok := strings.CutPrefix(value, "add:"); ok && slices.Contains(Languages, lang) {
		b.askText(t, lang)
		return nil
	}
	if value == "preview" && t.Conv.Answers["text_lo"] != "" {
		return b.preview(t)
	}
	b.askText(t, "lo")
	return nil
}

func (b *Broadcasts) preview(t *Turn) error {
	t.StartFlow(flowBroadcast, stepBcPreview)
	aud := audienceOf(t.Conv.Answers)
	n, err := b.cfg.Store.CountAudience(aud)
	if err != nil {
		return err
	}
	for _, l := range Languages {
		if text := t.Conv.Answers["text_"+l]; text != "" {
			t.Say(t.T("bc_preview_of", "lang", t.T("lang_name_"+l)) + "\n\n" + text)
		}
	}
	t.Say(b.summary(t)+"\n\n"+t.T("bc_preview_count", "count", strconv.Itoa(n)),
		Button(t.T("bc_send_now"), StepPayload(flowBroadcast, stepBcPreview, "now")),
		Button(t.T("bc_send_at"), StepPayload(flowBroadcast, stepBcPreview, "at")),
		Button(t.T("bc_send_recurring"), StepPayload(flowBroadcast, stepBcPreview, "cron")),
		Button(t.T("bc_edit_text"), StepPayload(flowBroadcast, stepBcPreview, "edit")),
		quitButton(t, stepBcPreview))
	return nil
}

func (b *Broadcasts) previewStep(t *Turn, value string) error {
	switch value {
	case "now":
		return b.create(t, time.Time{}, "")
	case "at":
		t.StartFlow(flowBroadcast, stepBcWhen)
		t.Say(t.T("bc_ask_time", "zone", zoneName(t, b.cfg.Location),
			"example", t.Now.In(b.cfg.Location).Add(24*time.Hour).Format("2006-01-02")+" 09:00"), quitButton(t, stepBcWhen))
	case "cron":
		t.StartFlow(flowBroadcast, stepBcCron)
		t.Say(t.T("bc_ask_cron", "zone", zoneName(t, b.cfg.Location)), quitButton(t, stepBcCron))
	case "edit":
		b.askText(t, "lo")
	}
	return nil
}

// create saves the composed broadcast and ends the flow.
func (b *Broadcasts) create(t *Turn, at time.Time, spec string) error {
	texts := store.Texts{}
	for _, l := range Languages {
		if s := t.Conv.Answers["text_"+l]; s != "" {
			texts[l] = s
		}
	}
	bc := &store.Broadcast{Texts: texts, Audience: audienceOf(t.Conv.Answers), At: at, Cron: spec,
		NotifyLang: t.Lang, CreatedBy: "moderator",
		Notify: &store.Address{Channel: t.Msg.Channel, ChatID: t.Msg.ChatID, ThreadID: t.Msg.ThreadID,
			Group: t.Msg.ChatType == bot.ChatGroup}}
	if spec != "" {
		next, err := store.NextRecurrence(spec, t.Now, b.cfg.Location)
		if err != nil {
			return err
		}
		bc.NextAt = next
	}
	if err := b.cfg.Store.CreateBroadcast(bc, t.Now); err != nil {
		return fmt.Errorf("create broadcast: %w", err)
	}
	t.EndFlow()
	b.log.Info("broadcast created", "broadcast", bc.ID, "recurring", spec != "")
	when := t.T("bc_when_now")
	switch {
	case spec != "":
		when = t.T("bc_when_recurring", "cron", spec, "time", bc.NextAt.In(b.cfg.Location).Format("02/01/2006 15:04"))
	case !at.IsZero():
		when = at.In(b.cfg.Location).Format("02/01/2006 15:04")
	}
	t.Say(t.T("bc_created", "id", bc.ID, "when", when))
	if b.cfg.Wake != nil {
		b.cfg.Wake()
	}
	return nil
}

func (b *Broadcasts) list(t *Turn) error {
	all, err := b.cfg.Store.Broadcasts()
	if err != nil {
		return err
	}
	if len(all) == 0 {
		t.Say(t.T("bc_list_none"))
		return nil
	}
	var lines []string
	var rows [][]bot.Button
	for i, bc := range all {
		if i == 10 {
			break
		}
		r := bc.Run
		lines = append(lines, t.T("bc_list_line", "id", bc.ID, "status", t.T("bc_status_"+string(bc.Status)),
			"preview", shortLabel(bc.Texts.In(t.Lang)), "sent", strconv.Itoa(r.Sent), "held", strconv.Itoa(r.Held),
			"unreachable", strconv.Itoa(r.Unreachable), "failed", strconv.Itoa(r.Failed)))
		if bc.Status == store.BroadcastScheduled || bc.Status == store.BroadcastSending {
			rows = append(rows, Button(t.T("bc_cancel_button", "id", bc.ID), "bc:cancel:"+bc.ID))
		}
	}
	t.Say(t.T("bc_list_title")+"\n\n"+strings.Join(lines, "\n"), rows...)
	return nil
}

func (b *Broadcasts) cancel(t *Turn, id string) error {
	if id == "" {
		t.Say(t.T("bc_cancel_usage"))
		return nil
	}
	bc, err := b.cfg.Store.CancelBroadcast(id, t.Now)
	if store.IsNotFound(err) {
		t.Say(t.T("bc_not_found", "id", id))
		return nil
	}
	if err != nil {
		return err
	}
	b.log.Info("broadcast cancelled", "broadcast", bc.ID)
	t.Say(t.T("bc_cancelled", "id", bc.ID, "sent", strconv.Itoa(bc.Run.Sent), "status", t.T("bc_status_"+string(bc.Status))))
	return nil
}

// parseLocalTime reads a time typed as 2006-01-02 15:04 (or 18/12/2026
// 09:00) in loc.
func parseLocalTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range []string{"2006-01-02 15:04", "02/01/2006 15:04", "2006-01-02T15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time written as YYYY-MM-DD HH:MM", s)
}
