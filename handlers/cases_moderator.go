package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"phuan/bot"
	"phuan/store"
)

// moderatorCommands are the commands only moderators may use.
var moderatorCommands = map[string]bool{
	"cases": true, "case": true, "claim": true, "close": true, "reopen": true, "note": true,
	"stats": true, "reply": true, "urgent": true, "modhelp": true,
}

// moderator is who is acting in the room: a stable key and the name other
// moderators know them by. Neither is ever shown to a person.
type moderator struct{ key, name string }

func moderatorOf(m bot.Message) moderator {
	name := strings.TrimSpace(m.UserName)
	if name == "" {
		name = m.UserID
	}
	return moderator{key: m.Channel + ":" + m.UserID, name: name}
}

// errCaseClosed stops a change that needs an open case.
var errCaseClosed = errors.New("case is closed")

// room handles everything written or pressed in the moderators' room.
func (c *Cases) room(ctx context.Context, t *Turn) (bool, error) {
	m := t.Msg
	if strings.HasPrefix(m.Payload, "mod:") {
		return true, c.button(ctx, t)
	}
	if m.Payload != "" {
		return false, nil
	}
	text := strings.TrimSpace(m.Text)
	if rest, ok := strings.CutPrefix(text, "//"); ok {
		if cs := c.contextCase(t); cs != nil {
			return true, c.note(t, cs, moderatorOf(m), strings.TrimSpace(rest))
		}
		t.Say(c.rt("case_room_which"))
		return true, nil
	}
	if moderatorCommands[t.Command] {
		return true, c.command(ctx, t)
	}
	if t.Command != "" {
		return false, nil
	}
	cs := c.contextCase(t)
	if cs == nil && t.Conv.Flow != "" {
		return false, nil // the room is in another feature's flow (composing a broadcast, say)
	}
	if cs == nil || text == "" && len(m.Media) == 0 {
		return true, nil // moderators talking among themselves
	}
	return true, c.helperReply(t, cs, moderatorOf(m), m.Text, m.Media)
}

// moderatorElsewhere handles moderator commands and buttons outside the
// room: allowed to listed moderators in a private chat, refused to anyone else.
func (c *Cases) moderatorElsewhere(ctx context.Context, t *Turn) error {
	m := t.Msg
	if !c.mods.Allowed(m) {
		c.refuse(t, "not_a_moderator")
		return nil
	}
	if m.ChatType != bot.ChatPrivate {
		c.refuse(t, "public_chat")
		return nil
	}
	if m.Payload != "" {
		return c.button(ctx, t)
	}
	return c.command(ctx, t)
}

// refuse answers someone who may not do what they tried, and logs the
// attempt without its text or who made it.
func (c *Cases) refuse(t *Turn, reason string) {
	what := "/" + t.Command
	if t.Msg.Payload != "" {
		action, _, _ := strings.Cut(strings.TrimPrefix(t.Msg.Payload, "mod:"), ":")
		what = "button:" + action
	}
	c.log.Warn("moderator action refused", "reason", reason, "action", what,
		"channel", t.Msg.Channel, "chat_type", string(t.Msg.ChatType))
	t.Say(t.T("case_mod_refused"))
}

// lookup reads a case moderators may act on: nil when there is no such
// case or only its anonymous counts are left.
func (c *Cases) lookup(id string) (*store.Case, error) {
	cs, err := c.store.Case(id)
	if store.IsNotFound(err) || err == nil && cs.Erased {
		return nil, nil
	}
	return cs, err
}

// contextCase is the case a room message is about: the case of its topic,
// or the case whose message it replies to.
func (c *Cases) contextCase(t *Turn) *store.Case {
	m := t.Msg
	if m.ThreadID != "" && c.mods.InRoom(m) {
		if cs, err := c.store.CaseByThread(m.ThreadID); err == nil && !cs.Erased {
			return cs
		}
	}
	if m.ReplyToText != "" {
		head := strings.FieldsFunc(m.ReplyToText, func(r rune) bool {
			return r == ' ' || r == '\n' || r == '·' || r == ':' || r == ','
		})
		for _, tok := range head[:min(len(head), 2)] {
			tok = strings.Trim(tok, "🆘📋*_`↪[]()")
			if strings.HasPrefix(tok, "C-") || strings.HasPrefix(tok, "c-") {
				if cs, _ := c.lookup(tok); cs != nil {
					return cs
				}
			}
		}
	}
	return nil
}

// target finds the case a command names: its first word when that is a
// case number, else the topic's or replied-to case. rest is what follows.
func (c *Cases) target(t *Turn, args string) (*store.Case, string, error) {
	first, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	rest = strings.TrimSpace(rest)
	ctxCase := c.contextCase(t)
	explicit := strings.HasPrefix(first, "C") || strings.HasPrefix(first, "c")
	if _, ok := store.ParseCaseID(first); ok && (explicit || ctxCase == nil) {
		cs, err := c.lookup(first)
		if err == nil && cs == nil {
			t.Say(c.rt("case_room_not_found", "id", first))
		}
		return cs, rest, err
	}
	if ctxCase == nil {
		t.Say(c.rt("case_room_which"))
		return nil, "", nil
	}
	return ctxCase, strings.TrimSpace(args), nil
}

// command runs a moderator command.
func (c *Cases) command(ctx context.Context, t *Turn) error {
	mod := moderatorOf(t.Msg)
	if t.Command == "cases" {
		return c.list(t, mod, t.Args)
	}
	if t.Command == "stats" {
		return c.stats(t)
	}
	if t.Command == "modhelp" {
		t.Say(c.rt("case_room_usage"))
		return nil
	}
	cs, rest, err := c.target(t, t.Args)
	if err != nil || cs == nil {
		return err
	}
	switch t.Command {
	case "case":
		return c.show(t, cs, mod)
	case "claim":
		return c.claim(t, cs.ID, mod)
	case "urgent":
		return c.markUrgent(t, cs.ID, mod)
	case "close":
		outcome, note, _ := strings.Cut(rest, " ")
		outcome = strings.ToLower(strings.TrimSpace(outcome))
		if outcome == "" {
			c.askOutcome(t, cs)
			return nil
		}
		if !slices.Contains(CaseOutcomes, outcome) {
			t.Say(c.rt("case_room_bad_outcome", "outcomes", strings.Join(CaseOutcomes, ", ")))
			return nil
		}
		return c.closeCase(t, cs.ID, mod, outcome, strings.TrimSpace(note))
	case "reopen":
		return c.reopen(t, cs.ID, mod)
	case "note":
		return c.note(t, cs, mod, rest)
	case "reply":
		return c.helperReply(t, cs, mod, rest, t.Msg.Media)
	}
	return nil
}

// button runs a card button: "mod:ACTION:ID" or "mod:close:ID:OUTCOME".
func (c *Cases) button(_ context.Context, t *Turn) error {
	if !c.mods.Allowed(t.Msg) {
		c.refuse(t, "not_a_moderator")
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(t.Msg.Payload, "mod:"), ":")
	if len(parts) < 2 {
		return nil
	}
	cs, err := c.lookup(parts[1])
	if err != nil {
		return err
	}
	if cs == nil {
		t.Say(c.rt("case_room_not_found", "id", parts[1]))
		return nil
	}
	mod := moderatorOf(t.Msg)
	switch parts[0] {
	case "claim":
		return c.claim(t, cs.ID, mod)
	case "urgent":
		return c.markUrgent(t, cs.ID, mod)
	case "case":
		return c.show(t, cs, mod)
	case "close":
		if len(parts) < 3 {
			c.askOutcome(t, cs)
			return nil
		}
		if !slices.Contains(CaseOutcomes, parts[2]) {
			return nil
		}
		return c.closeCase(t, cs.ID, mod, parts[2], "")
	}
	return nil
}

// confirm tells the moderators what was done: where it was done, and in
// the case's topic when it was done elsewhere.
func (c *Cases) confirm(t *Turn, cs *store.Case, text string) {
	t.Say(text)
	if !c.mods.InRoom(t.Msg) || t.Msg.ThreadID != cs.ThreadID {
		c.toRoom(t, cs.ThreadID, bot.Reply{Text: text})
	}
}

// updateForRoom changes case id for a moderator's command. When change
// refuses with one of the errors in refusals, or the case does not exist,
// the room is told (by the catalogue key given) and it returns no case and
// no error: the command is done.
func (c *Cases) updateForRoom(t *Turn, id string, change func(*store.Case) error, refusals map[error]string) (*store.Case, error) {
	cs, err := c.store.UpdateCase(id, change)
	for refusal, key := range refusals {
		if errors.Is(err, refusal) {
			t.Say(c.rt(key, "id", id))
			return nil, nil
		}
	}
	if store.IsNotFound(err) {
		t.Say(c.rt("case_room_not_found", "id", id))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return cs, nil
}

func (c *Cases) claim(t *Turn, id string, mod moderator) error {
	first := false
	cs, err := c.updateForRoom(t, id, func(x *store.Case) error {
		if x.Status != store.CaseOpen {
			return errCaseClosed
		}
		first = x.ClaimedAt.IsZero()
		x.ClaimedBy, x.ClaimedByName, x.ClaimedAt = mod.key, mod.name, t.Now
		x.Log(t.Now, mod.name, "claimed", "")
		return nil
	}, map[error]string{errCaseClosed: "case_room_closed_case"})
	if cs == nil {
		return err
	}
	c.log.Info("case claimed", "case_id", cs.ID)
	if first {
		t.Queue(toPerson(cs, bot.Reply{Text: c.pt(cs, "case_helper_joined", "id", cs.ID)}))
	}
	c.confirm(t, cs, c.rt("case_room_claimed", "id", cs.ID, "name", mod.name))
	return nil
}

func (c *Cases) markUrgent(t *Turn, id string, mod moderator) error {
	cs, err := c.updateForRoom(t, id, func(x *store.Case) error {
		if x.Status != store.CaseOpen {
			return errCaseClosed
		}
		if !x.Urgent {
			x.Urgent, x.UrgentAt, x.AnnouncedAt = true, t.Now, time.Time{}
			x.Log(t.Now, mod.name, "urgent", "")
		}
		return nil
	}, map[error]string{errCaseClosed: "case_room_closed_case"})
	if cs == nil {
		return err
	}
	c.log.Info("case marked urgent", "case_id", cs.ID)
	c.confirm(t, cs, c.rt("case_room_urgent", "id", cs.ID, "name", mod.name))
	return nil
}

func (c *Cases) askOutcome(t *Turn, cs *store.Case) {
	rows := make([][]bot.Button, 0, len(CaseOutcomes))
	for _, o := range CaseOutcomes {
		rows = append(rows, Button(c.rt("case_outcome_"+o), "mod:close:"+cs.ID+":"+o))
	}
	t.Say(c.rt("case_room_choose_outcome", "id", cs.ID), rows...)
}

func (c *Cases) closeCase(t *Turn, id string, mod moderator, outcome, note string) error {
	cs, err := c.updateForRoom(t, id, func(x *store.Case) error {
		if x.Status != store.CaseOpen {
			return errCaseClosed
		}
		x.Status, x.ClosedAt, x.Outcome, x.ClosedByPerson = store.CaseClosed, t.Now, outcome, false
		x.Log(t.Now, mod.name, "closed", outcome)
		if note != "" {
			x.Log(t.Now, mod.name, "note", note)
		}
		return nil
	}, map[error]string{errCaseClosed: "case_room_already_closed"})
	if cs == nil {
		return err
	}
	c.log.Info("case closed", "case_id", cs.ID, "outcome", outcome)
	t.Queue(toPerson(cs, bot.Reply{Text: c.pt(cs, "case_closed_by_helper", "id", cs.ID)}))
	c.confirm(t, cs, c.rt("case_room_closed", "id", cs.ID, "name", mod.name, "outcome", c.rt("case_outcome_"+outcome)))
	return nil
}

func (c *Cases) reopen(t *Turn, id string, mod moderator) error {
	errOpen := errors.New("already open")
	cs, err := c.updateForRoom(t, id, func(x *store.Case) error {
		if x.Status == store.CaseOpen {
			return errOpen
		}
		x.Status, x.ReopenedAt, x.Outcome, x.ClosedByPerson, x.Acked = store.CaseOpen, t.Now, "", false, false
		x.Log(t.Now, mod.name, "reopened", "")
		return nil
	}, map[error]string{errOpen: "case_room_already_open"})
	if cs == nil {
		return err
	}
	c.log.Info("case reopened", "case_id", cs.ID)
	t.Queue(toPerson(cs, bot.Reply{Text: c.pt(cs, "case_reopened", "id", cs.ID)}))
	c.confirm(t, cs, c.rt("case_room_reopened_by", "id", cs.ID, "name", mod.name))
	return nil
}

// note records an internal note: in the timeline only, never relayed.
func (c *Cases) note(t *Turn, cs *store.Case, mod moderator, text string) error {
	if text == "" {
		t.Say(c.rt("case_room_usage"))
		return nil
	}
	noted, err := c.updateForRoom(t, cs.ID, func(x *store.Case) error {
		x.Log(t.Now, mod.name, "note", text)
		return nil
	}, nil)
	if noted == nil {
		return err
	}
	t.Say(c.rt("case_room_note_saved", "id", cs.ID))
	return nil
}

// helperReply relays a moderator's words (and attachments) to the person,
// labelled as coming from a Phuan helper. Answering claims an unclaimed case.
func (c *Cases) helperReply(t *Turn, cs *store.Case, mod moderator, text string, media []bot.Media) error {
	text = strings.TrimSpace(text)
	// A file kept on the helpers' platform cannot reach a person on
	// another: the helper is told at once instead of it vanishing.
	var unsendable int
	if cs.Channel != t.Msg.Channel {
		media = slices.DeleteFunc(slices.Clone(media), func(m bot.Media) bool {
			if m.Portable() {
				return false
			}
			unsendable++
			return true
		})
	}
	if unsendable > 0 {
		t.Say(c.rt("case_room_media_not_sent", "id", cs.ID))
	}
	if text == "" && len(media) == 0 {
		if unsendable == 0 {
			t.Say(c.rt("case_room_usage"))
		}
		return nil
	}
	joined := false
	updated, err := c.updateForRoom(t, cs.ID, func(x *store.Case) error {
		if x.Status != store.CaseOpen {
			return errCaseClosed
		}
		x.Transcript = append(x.Transcript, store.CaseEntry{At: t.Now, Actor: mod.name, Action: store.FromHelper,
			Text: text, Media: caseMedia(media)})
		x.LastHelperAt = t.Now
		if x.FirstAnswerAt.IsZero() {
			x.FirstAnswerAt = t.Now
		}
		if x.ClaimedBy == "" {
			x.ClaimedBy, x.ClaimedByName, x.ClaimedAt = mod.key, mod.name, t.Now
			x.Log(t.Now, mod.name, "claimed", "")
			joined = true
		}
		x.Log(t.Now, mod.name, "answered", "")
		return nil
	}, map[error]string{errCaseClosed: "case_room_closed_case"})
	if updated == nil {
		return err
	}
	c.log.Info("helper message relayed", "case_id", updated.ID, "media", len(media))
	if joined {
		t.Queue(toPerson(updated, bot.Reply{Text: c.pt(updated, "case_helper_joined", "id", updated.ID)}))
	}
	body := c.pt(updated, "case_helper_says")
	if text != "" {
		body += "\n" + text
	}
	t.Queue(toPerson(updated, bot.Reply{Text: body, Media: media}))
	inTopic := c.mods.InRoom(t.Msg) && updated.ThreadID != "" && t.Msg.ThreadID == updated.ThreadID
	if inTopic {
		return nil
	}
	t.Say(c.rt("case_room_sent", "id", updated.ID))
	if updated.ThreadID != "" {
		c.toRoom(t, updated.ThreadID, bot.Reply{Text: "↪ " + mod.name + ": " + text, Media: media})
	}
	return nil
}

// card is the case as moderators first see it, with its buttons.
func (c *Cases) card(cs *store.Case) bot.Reply {
	urgent := ""
	if cs.Urgent {
		urgent = c.rt("case_urgent_mark")
	}
	danger := c.rt("case_danger_not_said")
	if cs.InDanger {
		danger = c.rt("case_yes")
	}
	text := c.rt("case_card", "id", cs.ID, "urgent", urgent, "alias", c.alias(cs),
		"category", c.categoryName(c.roomLang, cs.Category), "country", countryName(c.rt, cs.Country),
		"danger", danger, "name", c.sharedName(cs), "opened", c.when(cs.OpenedAt), "channel", cs.Channel,
		"status", c.status(cs))
	return bot.Reply{Text: text, Buttons: [][]bot.Button{{
		{Label: c.rt("case_btn_claim"), Payload: "mod:claim:" + cs.ID},
		{Label: c.rt("case_btn_urgent"), Payload: "mod:urgent:" + cs.ID},
		{Label: c.rt("case_btn_close"), Payload: "mod:close:" + cs.ID},
	}}}
}

// alertReply is an announcement about a case with the buttons to act on it.
func (c *Cases) alertReply(cs *store.Case, text string) bot.Reply {
	return bot.Reply{Text: text, Buttons: [][]bot.Button{{
		{Label: c.rt("case_btn_claim"), Payload: "mod:claim:" + cs.ID},
		{Label: c.rt("case_btn_show"), Payload: "mod:case:" + cs.ID},
	}}}
}

func (c *Cases) status(cs *store.Case) string {
	switch {
	case cs.Status == store.CaseClosed:
		return c.rt("case_status_closed", "outcome", c.rt("case_outcome_"+cs.Outcome))
	case cs.ClaimedBy != "":
		return c.rt("case_status_claimed", "name", cs.ClaimedByName)
	}
	return c.rt("case_status_unclaimed")
}

func (c *Cases) when(at time.Time) string {
	if at.IsZero() {
		return c.rt("not_set")
	}
	return at.In(c.loc).Format("2006-01-02 15:04")
}

// duration is a short span in the room's language: "25 min", "3 h 5 min", "2 d 4 h".
func (c *Cases) duration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < 0 {
		d = 0
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return c.rt("case_dur_days", "days", strconv.Itoa(days), "hours", strconv.Itoa(hours))
	case hours > 0:
		return c.rt("case_dur_hours", "hours", strconv.Itoa(hours), "minutes", strconv.Itoa(mins))
	}
	return c.rt("case_dur_minutes", "minutes", strconv.Itoa(mins))
}

// show posts a case's card, timeline and latest messages.
func (c *Cases) show(t *Turn, cs *store.Case, mod moderator) error {
	if cs.ShareName {
		if _, err := c.store.UpdateCase(cs.ID, func(x *store.Case) error {
			x.Log(t.Now, mod.name, "name_shown", "")
			return nil
		}); err != nil {
			return err
		}
	}
	cs, err := c.store.Case(cs.ID) // the whole case, with what was just logged
	if err != nil {
		return err
	}
	t.Send(c.card(cs))
	var b strings.Builder
	b.WriteString(c.rt("case_room_timeline", "id", cs.ID))
	for _, e := range lastEntries(cs.Timeline, 15) {
		fmt.Fprintf(&b, "\n%s · %s · %s", c.when(e.At), c.actor(cs, e.Actor), c.rt("case_tl_"+e.Action))
		if e.Text != "" {
			b.WriteString(": " + c.timelineText(e))
		}
	}
	t.Say(b.String())
	if len(cs.Transcript) == 0 {
		return nil
	}
	b.Reset()
	b.WriteString(c.rt("case_room_transcript", "id", cs.ID))
	for _, e := range lastEntries(cs.Transcript, 10) {
		fmt.Fprintf(&b, "\n%s · %s: %s", c.when(e.At), c.actor(cs, e.Actor), e.Text)
		for _, m := range e.Media {
			fmt.Fprintf(&b, " [%s]", m.Kind)
		}
	}
	t.Say(b.String())
	return nil
}

// timelineText shows an entry's detail: outcomes by name, notes as written.
func (c *Cases) timelineText(e store.CaseEntry) string {
	switch e.Action {
	case "closed":
		return c.rt("case_outcome_" + e.Text)
	case "urgent":
		return c.rt("case_tl_crisis")
	}
	return e.Text
}

func (c *Cases) actor(cs *store.Case, actor string) string {
	switch actor {
	case store.ActorPerson:
		return c.alias(cs)
	case store.ActorSystem:
		return c.rt("case_actor_system")
	}
	return actor
}

func lastEntries(es []store.CaseEntry, n int) []store.CaseEntry {
	if len(es) > n {
		return es[len(es)-n:]
	}
	return es
}

// list answers /cases [open|urgent|mine].
func (c *Cases) list(t *Turn, mod moderator, arg string) error {
	f := store.CaseFilter{Status: store.CaseOpen}
	switch strings.ToLower(strings.TrimSpace(arg)) {
	case "", "open":
	case "urgent":
		f.UrgentOnly = true
	case "mine":
		f.ClaimedBy = mod.key
	default:
		t.Say(c.rt("case_room_usage"))
		return nil
	}
	cases, err := c.store.Cases(f)
	if err != nil {
		return err
	}
	if len(cases) == 0 {
		t.Say(c.rt("case_room_list_empty"))
		return nil
	}
	slices.SortStableFunc(cases, func(a, b *store.Case) int {
		if a.Urgent != b.Urgent {
			if a.Urgent {
				return -1
			}
			return 1
		}
		return a.OpenedAt.Compare(b.OpenedAt)
	})
	const max = 30
	var b strings.Builder
	b.WriteString(c.rt("case_room_list_title", "count", strconv.Itoa(len(cases))))
	for _, cs := range cases[:min(len(cases), max)] {
		b.WriteString("\n")
		b.WriteString(c.listLine(cs, t.Now))
	}
	if len(cases) > max {
		b.WriteString("\n" + c.rt("case_room_list_more", "count", strconv.Itoa(len(cases)-max)))
	}
	t.Say(b.String())
	return nil
}

func (c *Cases) listLine(cs *store.Case, now time.Time) string {
	parts := []string{cs.ID}
	if cs.Urgent {
		parts[0] = "🆘 " + cs.ID
	}
	parts = append(parts, c.categoryName(c.roomLang, cs.Category), countryName(c.rt, cs.Country), c.alias(cs), c.status(cs))
	if since, ok := cs.Waiting(); ok {
		parts = append(parts, c.rt("case_room_waiting", "duration", c.duration(now.Sub(since))))
	}
	return strings.Join(parts, " · ")
}

// stats answers /stats.
func (c *Cases) stats(t *Turn) error {
	st, err := c.store.CaseStats(t.Now.Add(-7 * 24 * time.Hour))
	if err != nil {
		return err
	}
	median := c.rt("not_set")
	if st.Answered > 0 {
		median = c.duration(st.MedianFirstAnswer)
	}
	type kv struct {
		cat string
		n   int
	}
	var cats []kv
	for k, n := range st.ByCategory {
		cats = append(cats, kv{k, n})
	}
	slices.SortFunc(cats, func(a, b kv) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.cat, b.cat)
	})
	parts := make([]string, 0, len(cats))
	for _, x := range cats {
		parts = append(parts, c.categoryName(c.roomLang, x.cat)+" "+strconv.Itoa(x.n))
	}
	byCat := c.rt("not_set")
	if len(parts) > 0 {
		byCat = strings.Join(parts, " · ")
	}
	t.Say(c.rt("case_room_stats", "open", strconv.Itoa(st.Open), "urgent", strconv.Itoa(st.Urgent),
		"unclaimed", strconv.Itoa(st.Unclaimed), "median", median, "answered", strconv.Itoa(st.Answered),
		"closed", strconv.Itoa(st.ClosedSince), "total", strconv.Itoa(st.Total), "categories", byCat))
	return nil
}
