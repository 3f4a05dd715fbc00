package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"phuan/bot"
	"phuan/store"
)

// CourseStore is what the courses feature needs from the store.
type CourseStore interface {
	Courses() ([]store.Course, error)
	Course(id string) (*store.Course, error)
	Enrol(courseID, personID string, d store.EnrolDetails, now time.Time) (*store.Enrolment, error)
	CancelEnrolment(courseID, personID string, now time.Time) (*store.Enrolment, error)
	Enrolment(courseID, personID string) (*store.Enrolment, error)
	PersonEnrolments(personID string) ([]store.Enrolment, error)
	CourseCounts(courseID string) (enrolled, waiting int, err error)
	WaitingPosition(courseID, personID string) (int, error)
	RemindCourseDeadline(courseID, personID string, now time.Time) (time.Time, error)
	RecordFoundWork(courseID, personID, answer string, now time.Time) error
	Person(id string) (*store.Person, error)
}

// Flow and steps of enrolling in a course that needs a name or phone.
const (
	flowEnrol        = "enrol"
	stepEnrolConsent = "consent"
	stepEnrolName    = "name"
	stepEnrolPhone   = "phone"
)

// maxListed is how many courses or events a list shows.
const maxListed = 8

// Courses is the "Training and jobs" feature: upcoming courses that fit the
// person, details, enrolment (with a waiting list), cancelling and a
// reminder before enrolment closes.
type Courses struct {
	store CourseStore
}

// NewCourses returns the courses feature.
func NewCourses(st CourseStore) *Courses { return &Courses{store: st} }

// Menu offers "Training and jobs".
func (c *Courses) Menu(t *Turn) []bot.Button {
	return []bot.Button{{Label: t.T("menu_courses"), Payload: "courses"}}
}

// Handle takes the courses' commands, buttons and enrolment answers.
func (c *Courses) Handle(ctx context.Context, t *Turn) (bool, error) {
	if t.Msg.ChatType == bot.ChatGroup {
		return false, nil
	}
	if t.Command == "courses" || t.Command == "training" {
		return true, c.list(t)
	}
	if t.Command == "mycourses" {
		return true, c.mine(t)
	}
	p := t.Msg.Payload
	if flow, step, value, ok := parseStep(p); ok && flow == flowEnrol {
		if flow != t.Conv.Flow || step != t.Conv.Step {
			return false, nil
		}
		return true, c.enrolStep(t, step, value)
	}
	if p == "" && t.Command == "" && t.Conv.Flow == flowEnrol {
		return true, c.enrolText(t)
	}
	switch {
	case p == "courses":
		return true, c.list(t)
	case p == "courses:mine":
		return true, c.mine(t)
	}
	rest, ok := strings.CutPrefix(p, "course:")
	if !ok {
		return false, nil
	}
	action, id, found := strings.Cut(rest, ":")
	if !found {
		return true, c.details(t, action)
	}
	switch action {
	case "enrol":
		return true, c.enrol(t, id)
	case "cancel":
		return true, c.askCancel(t, id)
	case "cancel-yes":
		return true, c.cancel(t, id)
	case "remind":
		return true, c.remind(t, id)
	case "work":
		return true, c.foundWork(t, id)
	}
	return false, nil
}

// profile is what is known of the person for filtering.
func profile(t *Turn) store.Profile {
	if t.Person == nil {
		return store.Profile{}
	}
	return t.Person.Profile
}

func (c *Courses) list(t *Turn) error {
	all, err := c.store.Courses()
	if err != nil {
		return err
	}
	pr := profile(t)
	var rows [][]bot.Button
	var lines []string
	for _, course := range all {
		if course.Cancelled || store.DateOf(t.Now, store.LaoTime()) > course.Start || !course.Fits(pr) {
			continue
		}
		if len(rows) == maxListed {
			break
		}
		title := course.Title.In(t.Lang)
		lines = append(lines, t.T("course_list_line", "title", title, "date", formatDay(course.Start),
			"place", courseWhere(t, &course)))
		rows = append(rows, Button(shortLabel("📚 "+title), "course:"+course.ID))
	}
	if len(rows) == 0 {
		t.Say(t.T("courses_none"), Button(t.T("subs_menu"), "subs"), t.MenuButton())
		return nil
	}
	text := t.T("courses_title") + "\n\n" + strings.Join(lines, "\n")
	if t.Person != nil {
		rows = append(rows, Button(t.T("courses_mine_button"), "courses:mine"))
	}
	t.Say(text, append(rows, t.MenuButton())...)
	return nil
}

func (c *Courses) mine(t *Turn) error {
	if t.Person == nil {
		c.needConsent(t)
		return nil
	}
	ens, err := c.store.PersonEnrolments(t.Person.ID)
	if err != nil {
		return err
	}
	if len(ens) == 0 {
		t.Say(t.T("courses_mine_none"), Button(t.T("courses_back"), "courses"), t.MenuButton())
		return nil
	}
	var lines []string
	var rows [][]bot.Button
	for _, e := range ens {
		course, err := c.store.Course(e.CourseID)
		if err != nil {
			continue
		}
		title := course.Title.In(t.Lang)
		lines = append(lines, t.T("course_mine_line", "title", title, "status", t.T("enrolment_"+string(e.Status)),
			"date", formatDay(course.Start)))
		rows = append(rows, Button(shortLabel("📚 "+title), "course:"+course.ID))
	}
	t.Say(t.T("courses_mine_title")+"\n\n"+strings.Join(lines, "\n"), append(rows, t.MenuButton())...)
	return nil
}

func (c *Courses) details(t *Turn, id string) error {
	course, err := c.course(t, id)
	if course == nil {
		return err
	}
	enrolled, waiting, err := c.store.CourseCounts(id)
	if err != nil {
		return err
	}
	lines := []string{"📚 " + course.Title.In(t.Lang)}
	if d := course.Description.In(t.Lang); d != "" {
		lines = append(lines, d)
	}
	add := func(key, value string) {
		if strings.TrimSpace(value) != "" {
			lines = append(lines, t.T(key, "value", value))
		}
	}
	lines = append(lines, "")
	add("course_provider", course.Provider)
	add("course_place", courseWhere(t, course))
	add("course_format", t.T("format_"+string(course.Format)))
	when := formatDay(course.Start)
	if !course.End.IsZero() && course.End != course.Start {
		when += " – " + formatDay(course.End)
	}
	add("course_dates", when)
	add("course_deadline", formatDay(course.LastEnrolDay()))
	if course.Seats > 0 {
		lines = append(lines, t.T("course_seats", "left", strconv.Itoa(max(course.Seats-enrolled, 0)),
			"seats", strconv.Itoa(course.Seats)))
		if waiting > 0 {
			lines = append(lines, t.T("course_waiting", "count", strconv.Itoa(waiting)))
		}
	}
	if len(course.Eligibility) > 0 {
		names := make([]string, len(course.Eligibility))
		for i, s := range course.Eligibility {
			names[i] = t.T("status_" + string(s))
		}
		add("course_eligibility", strings.Join(names, ", "))
	}
	add("course_contact", course.Contact)

	var rows [][]bot.Button
	var mine *store.Enrolment
	if t.Person != nil {
		if e, err := c.store.Enrolment(id, t.Person.ID); err == nil && e.Status != store.Cancelled {
			mine = e
		} else if err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	open := course.OpenAt(t.Now, store.LaoTime())
	switch {
	case mine != nil && mine.Status == store.Enrolled:
		lines = append(lines, "", t.T("course_you_are_enrolled"))
		rows = append(rows, Button(t.T("course_cancel_button"), "course:cancel:"+id))
	case mine != nil:
		pos, err := c.store.WaitingPosition(id, t.Person.ID)
		if err != nil {
			return err
		}
		lines = append(lines, "", t.T("course_you_are_waiting", "position", strconv.Itoa(pos)))
		rows = append(rows, Button(t.T("course_leave_waiting_button"), "course:cancel:"+id))
	case !open:
		lines = append(lines, "", t.T("course_closed"))
	case !course.Eligible(profile(t)):
		lines = append(lines, "", t.T("course_not_eligible"))
	case course.Seats > 0 && enrolled >= course.Seats:
		rows = append(rows, Button(t.T("course_join_waiting_button"), "course:enrol:"+id))
	default:
		rows = append(rows, Button(t.T("course_enrol_button"), "course:enrol:"+id))
	}
	if mine == nil && open {
		rows = append(rows, Button(t.T("course_remind_button"), "course:remind:"+id))
	}
	rows = append(rows, Button(t.T("courses_back"), "courses"), t.MenuButton())
	t.Say(strings.Join(lines, "\n"), rows...)
	return nil
}

// course reads a course for a person, saying so when it is gone.
func (c *Courses) course(t *Turn, id string) (*store.Course, error) {
	course, err := c.store.Course(id)
	if store.IsNotFound(err) || (err == nil && course.Cancelled) {
		t.Say(t.T("course_gone"), Button(t.T("courses_back"), "courses"), t.MenuButton())
		return nil, nil
	}
	return course, err
}

// needConsent explains that enrolling and reminders need the privacy notice agreed.
func (c *Courses) needConsent(t *Turn) {
	t.Say(t.T("courses_consent_needed"), Button(t.T("settings_consent"), "settings:consent"), t.MenuButton())
}

func (c *Courses) enrol(t *Turn, id string) error {
	if t.Person == nil {
		c.needConsent(t)
		return nil
	}
	course, err := c.course(t, id)
	if course == nil {
		return err
	}
	if !course.NeedsName && !course.NeedsPhone {
		return c.finishEnrol(t, course, store.EnrolDetails{})
	}
	t.StartFlow(flowEnrol, stepEnrolConsent)
	t.Conv.Answers["course"] = id
	what := t.T("enrol_what_phone")
	switch {
	case course.NeedsName && course.NeedsPhone:
		what = t.T("enrol_what_both")
	case course.NeedsName:
		what = t.T("enrol_what_name")
	}
	t.Say(t.T("enrol_consent", "what", what, "provider", course.Provider, "title", course.Title.In(t.Lang)),
		Button(t.T("enrol_consent_yes"), StepPayload(flowEnrol, stepEnrolConsent, "yes")),
		Button(t.T("enrol_consent_no"), StepPayload(flowEnrol, stepEnrolConsent, "no")))
	return nil
}

func (c *Courses) enrolStep(t *Turn, step, value string) error {
	id := t.Conv.Answers["course"]
	if value == "no" || value == "cancel" || t.Person == nil {
		t.EndFlow()
		t.Say(t.T("enrol_stopped"), Button(t.T("course_details_button"), "course:"+id), t.MenuButton())
		return nil
	}
	if step != stepEnrolConsent || value != "yes" {
		return nil
	}
	course, err := c.course(t, id)
	if course == nil {
		t.EndFlow()
		return err
	}
	t.Conv.Answers["consent"] = t.Now.UTC().Format(time.RFC3339)
	t.Changed()
	return c.askNext(t, course)
}

// askNext asks for the next detail the course needs, or enrols.
func (c *Courses) askNext(t *Turn, course *store.Course) error {
	stop := Button(t.T("enrol_cancel_button"), StepPayload(flowEnrol, stepEnrolName, "cancel"))
	switch {
	case course.NeedsName && t.Conv.Answers["name"] == "":
		t.StartFlow(flowEnrol, stepEnrolName)
		t.Conv.Expires = t.Now.Add(enrolAnswerTime)
		t.Say(t.T("enrol_ask_name"), stop)
	case course.NeedsPhone && t.Conv.Answers["phone"] == "":
		t.StartFlow(flowEnrol, stepEnrolPhone)
		t.Conv.Expires = t.Now.Add(enrolAnswerTime)
		t.Say(t.T("enrol_ask_phone"), Button(t.T("enrol_cancel_button"), StepPayload(flowEnrol, stepEnrolPhone, "cancel")))
	default:
		consent, _ := time.Parse(time.RFC3339, t.Conv.Answers["consent"])
		d := store.EnrolDetails{Name: t.Conv.Answers["name"], Phone: t.Conv.Answers["phone"], ConsentAt: consent}
		t.EndFlow() // the name and phone leave the conversation state
		return c.finishEnrol(t, course, d)
	}
	return nil
}

// enrolAnswerTime is how long a typed name or phone number is waited for;
// later text is an ordinary message again, not taken as a name.
const enrolAnswerTime = 15 * time.Minute

var phoneChars = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{5,24}$`)

// asciiDigits writes Lao (໐–໙) and Thai (๐–๙) digits as 0–9.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '໐' && r <= '໙':
			return '0' + (r - '໐')
		case r >= '๐' && r <= '๙':
			return '0' + (r - '๐')
		}
		return r
	}, s)
}

// enrolText takes a typed name or phone number.
func (c *Courses) enrolText(t *Turn) error {
	text := strings.TrimSpace(t.Msg.Text)
	id := t.Conv.Answers["course"]
	if t.Person == nil || t.Conv.Answers["consent"] == "" {
		t.EndFlow()
		return c.details(t, id)
	}
	course, err := c.course(t, id)
	if course == nil {
		t.EndFlow()
		return err
	}
	switch t.Conv.Step {
	case stepEnrolName:
		n := utf8.RuneCountInString(text)
		if n < 2 || n > 100 || strings.ContainsAny(text, "0123456789/") {
			t.Say(t.T("enrol_bad_name"), Button(t.T("enrol_cancel_button"), StepPayload(flowEnrol, stepEnrolName, "cancel")))
			return nil
		}
		t.Conv.Answers["name"] = text
	case stepEnrolPhone:
		text = asciiDigits(text)
		digits := 0
		for _, r := range text {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !phoneChars.MatchString(text) || digits < 6 || digits > 15 {
			t.Say(t.T("enrol_bad_phone"), Button(t.T("enrol_cancel_button"), StepPayload(flowEnrol, stepEnrolPhone, "cancel")))
			return nil
		}
		t.Conv.Answers["phone"] = text
	default:
		return nil
	}
	t.Changed()
	return c.askNext(t, course)
}

func (c *Courses) finishEnrol(t *Turn, course *store.Course, d store.EnrolDetails) error {
	title := course.Title.In(t.Lang)
	back := Button(t.T("course_details_button"), "course:"+course.ID)
	e, err := c.store.Enrol(course.ID, t.Person.ID, d, t.Now)
	switch {
	case errors.Is(err, store.ErrAlreadyEnrolled):
		t.Say(t.T("enrol_already", "title", title), back, t.MenuButton())
		return nil
	case errors.Is(err, store.ErrCourseClosed):
		t.Say(t.T("course_closed"), back, t.MenuButton())
		return nil
	case errors.Is(err, store.ErrNotEligible):
		t.Say(t.T("course_not_eligible"), back, t.MenuButton())
		return nil
	case err != nil:
		return err
	}
	if e.Status == store.Waiting {
		pos, err := c.store.WaitingPosition(course.ID, t.Person.ID)
		if err != nil {
			return err
		}
		t.Say(t.T("enrol_waiting", "title", title, "position", strconv.Itoa(pos)), back, t.MenuButton())
		return nil
	}
	t.Say(t.T("enrol_done", "title", title, "date", formatDay(course.Start)), back, t.MenuButton())
	return nil
}

func (c *Courses) askCancel(t *Turn, id string) error {
	course, err := c.course(t, id)
	if course == nil {
		return err
	}
	t.Say(t.T("course_cancel_confirm", "title", course.Title.In(t.Lang)),
		Button(t.T("course_cancel_yes"), "course:cancel-yes:"+id),
		Button(t.T("course_cancel_no"), "course:"+id))
	return nil
}

func (c *Courses) cancel(t *Turn, id string) error {
	if t.Person == nil {
		c.needConsent(t)
		return nil
	}
	promoted, err := c.store.CancelEnrolment(id, t.Person.ID, t.Now)
	if errors.Is(err, store.ErrNotEnrolled) {
		t.Say(t.T("course_not_enrolled"), Button(t.T("courses_back"), "courses"), t.MenuButton())
		return nil
	}
	if err != nil {
		return err
	}
	t.Say(t.T("course_cancelled"), Button(t.T("courses_back"), "courses"), t.MenuButton())
	if promoted != nil {
		return c.tellPromoted(t, id, promoted.PersonID)
	}
	return nil
}

// tellPromoted tells the first person waiting that they got a place.
func (c *Courses) tellPromoted(t *Turn, courseID, personID string) error {
	p, err := c.store.Person(personID)
	if store.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tell the person who moved up: %w", err)
	}
	course, err := c.store.Course(courseID)
	if err != nil || len(p.Identities) == 0 {
		return err
	}
	lang := p.Lang
	if lang == "" {
		lang = "lo"
	}
	to := p.Identities[0]
	t.Queue(bot.Envelope{Channel: to.Channel, ChatID: to.PlatformID, PersonID: p.ID, Purpose: bot.PurposeUpdate,
		Ref: "course-place:" + courseID, Reply: bot.Reply{
			Text:    t.cat.T(lang, "enrol_promoted", "title", course.Title.In(lang), "date", formatDay(course.Start)),
			Buttons: [][]bot.Button{Button(t.cat.T(lang, "course_details_button"), "course:"+courseID)}}})
	return nil
}

func (c *Courses) remind(t *Turn, id string) error {
	if t.Person == nil {
		c.needConsent(t)
		return nil
	}
	course, err := c.course(t, id)
	if course == nil {
		return err
	}
	back := Button(t.T("course_details_button"), "course:"+id)
	due, err := c.store.RemindCourseDeadline(id, t.Person.ID, t.Now)
	if errors.Is(err, store.ErrTooLate) {
		t.Say(t.T("course_remind_too_late", "date", formatDay(course.LastEnrolDay())), back, t.MenuButton())
		return nil
	}
	if err != nil {
		return err
	}
	t.Say(t.T("course_remind_set", "date", formatDay(store.DateOf(due, store.LocationOf(t.Person)))), back, t.MenuButton())
	return nil
}

func (c *Courses) foundWork(t *Turn, id string) error {
	if t.Person == nil {
		c.needConsent(t)
		return nil
	}
	err := c.store.RecordFoundWork(id, t.Person.ID, "yes", t.Now)
	if err != nil && !errors.Is(err, store.ErrNotEnrolled) {
		return err
	}
	t.Say(t.T("followup_glad"), t.MenuButton())
	return nil
}

// courseWhere names where a course is: its place and province, or online.
func courseWhere(t *Turn, c *store.Course) string {
	var parts []string
	if c.Place != "" {
		parts = append(parts, c.Place)
	}
	if c.Province != "" && slices.Contains(Provinces, c.Province) {
		parts = append(parts, t.T("province_"+c.Province))
	}
	if c.Format == store.FormatOnline && len(parts) == 0 {
		parts = append(parts, t.T("format_online"))
	}
	return strings.Join(parts, ", ")
}

// formatDay writes a date as people in Laos do: 18/12/2026.
func formatDay(d store.Date) string {
	t, err := time.Parse(store.DateLayout, string(d))
	if err != nil {
		return string(d)
	}
	return t.Format("02/01/2006")
}

// shortLabel keeps a button label short enough for every platform.
func shortLabel(s string) string {
	const maxRunes = 40
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxRunes-1]) + "…"
}
