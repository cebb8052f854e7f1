package coverage

import "time"

// onboardingCases cover test-matrix rows 1–7.
func onboardingCases() []reqCase {
	return []reqCase{
		{"row-1", "submitted, forced pass, approved, card issued", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.submit(10001, 200)
			tr.holder(10001, 3)
			s3 := tr.validate(10001, "pass")
			s4 := tr.holder(10001, 1)
			s5 := tr.issueVirtual(10001, 8001, 200)
			return ev(s1, s3, s4, s5)
		}},
		{"row-1", "validation forced for another cardholder", StatusPartial, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			tr.validate(10002, "pass")
			tr.holder(10001, 1)
			tr.issueVirtual(10001, 8001, 200)
			return nil
		}},
		{"row-1", "card issuance refused", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.submit(10001, 200)
			s2 := tr.validate(10001, "pass")
			s3 := tr.holder(10001, 1)
			tr.issueVirtual(10001, 8001, 409)
			return ev(s1, s2, s3)
		}},
		{"row-1", "steps out of order", StatusPartial, func(tr *trace) []uint64 {
			tr.validate(10001, "pass")
			tr.submit(10001, 200)
			tr.holder(10001, 1)
			tr.issueVirtual(10001, 8001, 200)
			return nil
		}},
		{"row-2", "decline seen, link refreshed", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.validate(10001, "fail")
			s2 := tr.holder(10001, 2)
			s3 := tr.refresh(10001, 200)
			return ev(s1, s2, s3)
		}},
		{"row-2", "decline whose refresh call failed", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.validate(10001, "fail")
			s2 := tr.holder(10001, 2)
			tr.refresh(10001, 409)
			return ev(s1, s2)
		}},
		{"row-2", "refresh before the decline was seen", StatusPartial, func(tr *trace) []uint64 {
			tr.validate(10001, "fail")
			tr.refresh(10001, 200)
			tr.holder(10001, 2)
			return nil
		}},
		{"row-2", "card issued to the declined cardholder", StatusViolated, func(tr *trace) []uint64 {
			tr.validate(10001, "fail")
			tr.holder(10001, 2)
			s3 := tr.issueVirtual(10001, 8001, 409)
			tr.refresh(10001, 200)
			return ev(s3)
		}},
		// The refresh re-submitted the cardholder (§5.2: 2 → 3): a card
		// asked for afterwards is not asked for a declined cardholder.
		{"row-2", "card asked for after the refresh re-submitted", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.validate(10001, "fail")
			s2 := tr.holder(10001, 2)
			s3 := tr.refresh(10001, 200)
			tr.issueVirtual(10001, 8001, 409)
			return ev(s1, s2, s3)
		}},
		{"row-3", "declined, refreshed, passed, polled to approval", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.validate(10001, "fail")
			s2 := tr.holder(10001, 2)
			s3 := tr.refresh(10001, 200)
			tr.holder(10001, 3)
			s5 := tr.validate(10001, "pass")
			s6 := tr.holder(10001, 1)
			return ev(s1, s2, s3, s5, s6)
		}},
		{"row-3", "polling never reached approval", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.validate(10001, "fail")
			s2 := tr.holder(10001, 2)
			s3 := tr.refresh(10001, 200)
			s4 := tr.validate(10001, "pass")
			tr.holder(10001, 3)
			return ev(s1, s2, s3, s4)
		}},
		{"row-3", "approval of another cardholder", StatusPartial, func(tr *trace) []uint64 {
			tr.validate(10001, "fail")
			tr.holder(10001, 2)
			tr.refresh(10001, 200)
			tr.validate(10001, "pass")
			tr.holder(10002, 1)
			return nil
		}},
		{"row-4", "admin decline seen and left alone", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 7)
			tr.holder(10002, 1)
			return ev(s1)
		}},
		{"row-4", "retried after the admin decline", StatusViolated, func(tr *trace) []uint64 {
			tr.holder(10001, 7)
			s2 := tr.submit(10001, 200)
			return ev(s2)
		}},
		{"row-4", "refresh after the admin decline", StatusViolated, func(tr *trace) []uint64 {
			tr.holder(10001, 7)
			s2 := tr.refresh(10001, 409)
			return ev(s2)
		}},
		{"row-4", "compliance decline only", StatusMissing, func(tr *trace) []uint64 {
			tr.holder(10001, 2)
			tr.submit(10001, 200)
			return nil
		}},
		{"row-5", "error seen, re-submitted", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 6)
			s2 := tr.submit(10001, 200)
			return ev(s1, s2)
		}},
		{"row-5", "error seen, re-submission refused", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 6)
			tr.submit(10001, 409)
			return ev(s1)
		}},
		{"row-5", "re-submission of another cardholder", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 6)
			tr.submit(10002, 200)
			return ev(s1)
		}},
		{"row-6", "409 on a cardholder under review", StatusMet, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			tr.holder(10001, 3)
			s3 := tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smith"}`, `{"status":"error","message":"lastName: locked while under review"}`)
			return ev(s3)
		}},
		{"row-6", "409 on an unlocked (draft) cardholder", StatusMissing, func(tr *trace) []uint64 {
			tr.holder(10001, 4)
			tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smith"}`, `{"status":"error","message":"conflict"}`)
			return nil
		}},
		// The submission's success put the cardholder under review
		// (§5.2): the refusal right after it is the locked-field 409.
		{"row-6", "409 while the status was never read", StatusMet, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			return ev(tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smith"}`, `{"status":"error","message":"locked"}`))
		}},
		{"row-6", "409 with no submission or read before", StatusMissing, func(tr *trace) []uint64 {
			tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smith"}`, `{"status":"error","message":"locked"}`)
			return nil
		}},
		{"row-6", "edit of a locked cardholder accepted", StatusMissing, func(tr *trace) []uint64 {
			tr.holder(10001, 1)
			tr.call("PUT", "/cardholders/10001", 200, `{"lastName":"Smith"}`, okBody)
			return nil
		}},
		{"row-7", "backoff polling over hours, outcome not forced", StatusMet, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			reads := tr.pollHolder(10001, 3, backoff(5*time.Second, 10*time.Minute, 20))
			return runEvidence(reads)
		}},
		{"row-7", "polling over hours, ended by a forced outcome", StatusPartial, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			tr.pollHolder(10001, 3, backoff(5*time.Second, 10*time.Minute, 20))
			tr.validate(10001, "pass")
			tr.holder(10001, 1)
			return nil
		}},
		{"row-7", "backoff polling for ten minutes only", StatusPartial, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			tr.pollHolder(10001, 3, backoff(5*time.Second, 2*time.Minute, 6))
			return nil
		}},
		{"row-7", "fixed-interval polling over hours", StatusPartial, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			tr.pollHolder(10001, 3, repeat(time.Minute, 150))
			return nil
		}},
		{"row-7", "polling faster than allowed", StatusViolated, func(tr *trace) []uint64 {
			reads := tr.pollHolder(10001, 3, repeat(100*time.Millisecond, 4))
			return ev(reads[3], reads[4])
		}},
	}
}
