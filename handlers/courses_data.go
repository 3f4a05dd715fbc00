package handlers

import (
	"fmt"
	"strings"
	"time"

	"phuan/store"
)

// courseActivity is what /mydata and /forget need from the store about
// courses and news: enrolments, subscriptions and reminders.
type courseActivity interface {
	PersonEnrolments(personID string) ([]store.Enrolment, error)
	Subscription(personID string) (*store.Subscription, error)
	PersonReminders(personID string) ([]store.Reminder, error)
	ErasePersonActivity(personID string, now time.Time) ([]store.Enrolment, error)
}

// Describe lists the person's enrolments and news subscriptions for /mydata.
func (c *Courses) Describe(t *Turn) ([]string, error) {
	act, ok := c.store.(courseActivity)
	if !ok || t.Person == nil {
		return nil, nil
	}
	enrolments, err := act.PersonEnrolments(t.Person.ID)
	if err != nil {
		return nil, fmt.Errorf("list enrolments: %w", err)
	}
	var lines []string
	for _, e := range enrolments {
		title := e.CourseID
		if course, err := c.store.Course(e.CourseID); err == nil {
			title = course.Title.In(t.Lang)
		}
		line := t.T("mydata_enrolment", "course", title, "status", string(e.Status))
		if e.Name != "" || e.Phone != "" {
			line += " " + t.T("mydata_enrolment_details")
		}
		lines = append(lines, line)
	}
	sub, err := act.Subscription(t.Person.ID)
	if err != nil {
		return nil, fmt.Errorf("read subscription: %w", err)
	}
	if sub != nil && !sub.Stopped && len(sub.Topics) > 0 {
		topics := make([]string, len(sub.Topics))
		for i, tp := range sub.Topics {
			topics[i] = string(tp)
		}
		lines = append(lines, t.T("mydata_subscription", "topics", strings.Join(topics, ", ")))
	}
	return lines, nil
}

// Export gives the person's enrolments (with the name and phone they gave),
// subscription and reminders.
func (c *Courses) Export(t *Turn) (string, any, error) {
	act, ok := c.store.(courseActivity)
	if !ok || t.Person == nil {
		return "courses", nil, nil
	}
	enrolments, err := act.PersonEnrolments(t.Person.ID)
	if err != nil {
		return "", nil, fmt.Errorf("list enrolments: %w", err)
	}
	sub, err := act.Subscription(t.Person.ID)
	if err != nil {
		return "", nil, fmt.Errorf("read subscription: %w", err)
	}
	reminders, err := act.PersonReminders(t.Person.ID)
	if err != nil {
		return "", nil, fmt.Errorf("list reminders: %w", err)
	}
	return "courses", map[string]any{"enrolments": enrolments, "subscription": sub, "reminders": reminders}, nil
}

// Forget erases the person's enrolments, subscription and reminders ahead
// of the rest, so freed seats go to the first person waiting, who is told.
func (c *Courses) Forget(t *Turn) error {
	act, ok := c.store.(courseActivity)
	if !ok || t.Person == nil {
		return nil
	}
	promoted, err := act.ErasePersonActivity(t.Person.ID, t.Now)
	if err != nil {
		return err
	}
	for _, e := range promoted {
		if err := c.tellPromoted(t, e.CourseID, e.PersonID); err != nil {
			return err
		}
	}
	return nil
}
