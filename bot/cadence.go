package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// CadenceStep is one reminder of a creditor's cadence, relative to the due date.
type CadenceStep struct {
	ID       string   `yaml:"at" json:"id"`             // D-3, D0, D+5…
	Offset   int      `yaml:"-" json:"offset_days"`     // days from the due date
	Channels []string `yaml:"channels" json:"channels"` // in order of preference
	Template string   `yaml:"template" json:"template"` // catalog key family (informational: dialogs picks reminder.<kind>.<variant>)
	Tone     string   `yaml:"tone" json:"tone"`         // friendly | firm… (informational, shown in reports)
	Variants []string `yaml:"variants" json:"variants"` // A/B variants; default [a]
}

// Cadence is a creditor's reminder plan (its `cadence:` section).
type Cadence struct {
	Hour               int           `yaml:"hour" json:"hour"` // local hour reminders go out (default 10)
	Steps              []CadenceStep `yaml:"steps" json:"steps"`
	InstallmentOffsets []int         `yaml:"installment_offsets" json:"installment_offsets"` // days from each agreement installment (default -3, 0)
	PaidWithinDays     int           `yaml:"paid_within_days" json:"paid_within_days"`       // a payment this soon after a reminder counts for its variant (default 7)
	// QuietAfterMinutes is how long after the last message, either way, a
	// due reminder waits: it never lands in a conversation under way (default 120).
	QuietAfterMinutes int `yaml:"quiet_after_minutes" json:"quiet_after_minutes"`
}

// QuietAfter is the quiet period a reminder waits for after the last message.
func (c Cadence) QuietAfter() time.Duration { return time.Duration(c.QuietAfterMinutes) * time.Minute }

var defaultChannels = []string{"whatsapp", "sms"}

// DefaultCadence is used for creditors without a cadence section.
func DefaultCadence() Cadence {
	steps := []CadenceStep{
		{ID: "D-3", Tone: "friendly", Variants: []string{"a", "b"}},
		{ID: "D0", Tone: "friendly"},
		{ID: "D+1", Tone: "friendly", Variants: []string{"a", "b"}},
		{ID: "D+5", Tone: "friendly"},
		{ID: "D+15", Tone: "clear"},
		{ID: "D+30", Tone: "clear"},
		{ID: "D+60", Tone: "clear"},
	}
	c := Cadence{Steps: steps}
	if err := c.normalise(); err != nil {
		panic(err)
	}
	return c
}

// ParseCadence reads a creditor's cadence section; an empty node gives the default.
func ParseCadence(n yaml.Node) (Cadence, error) {
	if n.Kind == 0 {
		return DefaultCadence(), nil
	}
	var c Cadence
	if err := n.Decode(&c); err != nil {
		return Cadence{}, fmt.Errorf("cadence: %w", err)
	}
	if len(c.Steps) == 0 {
		c.Steps = DefaultCadence().Steps
	}
	return c, c.normalise()
}

func (c *Cadence) normalise() error {
	if c.Hour == 0 {
		c.Hour = 10
	}
	if c.Hour < 0 || c.Hour > 23 {
		return fmt.Errorf("cadence: hour %d: use 0–23", c.Hour)
	}
	if c.InstallmentOffsets == nil {
		c.InstallmentOffsets = []int{-3, 0}
	}
	if c.PaidWithinDays <= 0 {
		c.PaidWithinDays = 7
	}
	switch {
	case c.QuietAfterMinutes < 0:
		return fmt.Errorf("cadence: quiet_after_minutes %d: use a number of minutes above 0 (default 120)", c.QuietAfterMinutes)
	case c.QuietAfterMinutes == 0:
		c.QuietAfterMinutes = 120
	}
	seen := map[string]bool{}
	for i := range c.Steps {
		s := &c.Steps[i]
		off, err := parseStepID(s.ID)
		if err != nil {
			return err
		}
		if seen[s.ID] {
			return fmt.Errorf("cadence: step %s appears twice", s.ID)
		}
		seen[s.ID] = true
		s.Offset = off
		if i > 0 && off <= c.Steps[i-1].Offset {
			return fmt.Errorf("cadence: steps must be in order: %s comes after %s", s.ID, c.Steps[i-1].ID)
		}
		if len(s.Channels) == 0 {
			s.Channels = defaultChannels
		}
		if len(s.Variants) == 0 {
			s.Variants = []string{"a"}
		}
	}
	return nil
}

// parseStepID reads D-3, D0, D+5 into a day offset.
func parseStepID(id string) (int, error) {
	rest, ok := strings.CutPrefix(id, "D")
	if ok {
		if n, err := strconv.Atoi(rest); err == nil && (rest == "0" || rest[0] == '+' || rest[0] == '-') {
			return n, nil
		}
	}
	return 0, fmt.Errorf("cadence: step %q: write D-3, D0 or D+5", id)
}

// at is when a step relative to a date goes out: that day at the cadence
// hour in the debtor's zone.
func (c Cadence) at(date string, offset int, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", date, err)
	}
	d = d.AddDate(0, 0, offset)
	return time.Date(d.Year(), d.Month(), d.Day(), c.Hour, 0, 0, 0, loc), nil
}

// FirstReminder is when a new debt due on due is first considered: its
// first step not yet past by now (or now, when every step is past).
func (c Cadence) FirstReminder(due string, loc *time.Location, now time.Time) (time.Time, error) {
	if len(c.Steps) == 0 {
		return time.Time{}, nil
	}
	var last time.Time
	for _, s := range c.Steps {
		t, err := c.at(due, s.Offset, loc)
		if err != nil {
			return time.Time{}, err
		}
		if !t.Before(now) {
			if last.IsZero() || sameDay(t, now.In(loc)) {
				return t, nil // a late step is not sent hours before the next one
			}
			return now, nil // a past step is still due: the latest one goes now
		}
		last = t
	}
	return now, nil
}
