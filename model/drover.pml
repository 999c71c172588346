/*
 * drover's turn protocol as a Promela model (issue 19, deliverable 5).
 * docs/protocol.md maps every step below to the code that implements it.
 *
 * One store (every `atomic` that touches store variables is one transaction), NH hosts
 * each with a supervisor (its runners, its crash and restart/recovery, its lease upkeep),
 * a `drover turn` CLI runner on host 0, the agents' child processes, and an operator who
 * stops agent 0 from host 0. What really happens apart (a process dying, the pipe
 * reaching EOF, a host pausing between reading and writing) are separate steps.
 *
 * Switches (spin -DNAME[=N]), all in scripts/model-check:
 *   bounds     NH, NA, MAXT, CRASHES, EXPIRIES, STALLS, SPAWNFAILS, MAXF;
 *   actors     NO_CLI (no `drover turn`), NO_OPERATOR (no `drover stop`);
 *   mutants    NO_FENCE, CLAIM_BEFORE_ROW, DROP_CLAIMS, NO_ORPHAN_KILL, NO_FLOCK, DOUBLE_WD;
 *   findings   F1_AS_BUILT (claim beside a dead runner's turn), NO_CGROUP (the window
 *              between spawn and turn.pid); see docs/protocol.md.
 * Properties: the `ltl` blocks at the end, one per `pan -N NAME` run.
 */

#ifndef NH
#define NH 2            /* hosts */
#endif
#ifndef NA
#define NA 1            /* agents */
#endif
#ifndef MAXT
#define MAXT 3          /* turn rows in the whole run */
#endif
#ifndef CRASHES
#define CRASHES 1       /* supervisor crashes (SIGKILL) in the whole run */
#endif
#ifndef EXPIRIES
#define EXPIRIES 1      /* leases that run out (holder paused or partitioned) */
#endif
#ifndef STALLS
#define STALLS 1        /* stall-watchdog firings in the whole run */
#endif
#ifndef SPAWNFAILS
#define SPAWNFAILS 1    /* spawn failures in the whole run */
#endif
#ifndef MAXF
#define MAXF 2          /* max_failed_turns */
#endif
#if NH > 2 || NA > 2 || MAXT > 4
#error "the model's arrays hold at most 2 hosts, 2 agents and 4 turns"
#endif

#define NONE 255

/* session states (src/core/session_state.cpp) */
#define BOOT 0
#define INTURN 1
#define BETWEEN 2
#define COMPLETED 3
#define STOPPED 4
#define ZOMBIE 5
#define FAILED 6
#define STALE 7
#define TERMINAL(s) ((s) >= COMPLETED)

/* mail: one dispatch per agent (mail a to agent a) and one late mail to agent 0 */
#define NM (NA + 1)
#define LATE NA
#define ABSENT 0
#define PENDING 1
#define CLAIMED 2
#define READ 3
#define MTO(m) ((m) == LATE -> 0 : (m))

/* turn rows and their processes */
#define T_FREE 0
#define T_OPEN 1
#define T_ENDED 2
#define P_NONE 0
#define P_ALIVE 1
#define P_DEAD 2
#define X_NONE 0
#define X_CLEAN 1
#define X_ERROR 2
#define X_KILLED 3

/* turn-lock owners */
#define OWN_CLI 20
#define OWN_OPER 21
#define OWN_RECOV 22

/* ---- the store ---- */
byte sess[2];
byte failed[2];
bool stop_req[2];
byte mstate[3];
byte mclaim[3];        /* claimed_turn: turn id + 1, 0 = none */
byte nt;                /* turn ids handed out */
byte trow[4];
byte tagent[4];
byte thost[4];
byte lease_host[2];    /* issue 19 design: the lease row */
byte lease_tok[2];
bool lease_exp[2];
byte wd[2];            /* worker_died mails sent for the agent */
bool reported[2];      /* its terminal mail was sent since its last clean turn (what
                        * terminal_mail_observed / sent_since read in the settle) */

/* ---- each host's local state: flock, turn.pid, turn.cgroup, its token ---- */
byte flock[4];
byte pidfile[4];  /* turn id + 1 */
byte cgfile[4];   /* turn id + 1 */
byte mytok[4];
bool down[2];
byte epoch[2];

/* ---- the agents' processes ---- */
byte tproc[4];
byte texit[4];
bool tinput[4];      /* its stdin got the user turn: it carries its claimed mail */
byte tcarry[4];      /* bit m: mail m was delivered to it */
bool tterm[4];       /* it sent its terminal mail */

/* ---- ghosts (what the properties talk about; no step reads them to decide) ---- */
byte owed[2];          /* deaths without report */
byte holder[2];        /* who took the lease last */
bool tfenced[4];     /* a turn whose host lost the agent to a takeover */
byte crashes;
byte expiries;
byte stalls;
byte spawnfails;
bool quiet;             /* nothing can move any more (set on timeout) */
bool dropped;           /* a mail marked read that its turn never delivered */
bool unfenced_write;    /* a settle, delivery or worker_died without the current lease */

/* scratch, used only inside atomic steps: not part of the state */
hidden byte i;
hidden byte j;
hidden byte clean;

#define L(h, a) ((h) * NA + (a))
#ifdef NO_FENCE
#define FENCE(h, a) true
#else
#define FENCE(h, a) (lease_host[a] == (h) && lease_tok[a] == mytok[L(h, a)])
#endif
#ifdef NO_FLOCK
#define LOCKFREE(h, a) true
#define TAKE_LOCK(h, a, o) skip
#define DROP_LOCK(h, a, o) skip
#else
#define LOCKFREE(h, a) (flock[L(h, a)] == 0)
#define TAKE_LOCK(h, a, o) flock[L(h, a)] = o
#define DROP_LOCK(h, a, o) if :: flock[L(h, a)] == o -> flock[L(h, a)] = 0 :: else -> skip fi
#endif
#define BIT(m) (1 << (m))

/* A death: the session went terminal without the terminal mail. The parent is owed one
 * worker_died (SPEC §5.5); `send` is the code's decision to send it. */
#define DEATH(a, send) \
  if :: !reported[a] -> owed[a]++ :: else -> skip fi; \
  if :: send && !reported[a] -> wd[a]++ :: else -> skip fi

/* needing_runner: in_turn, or a turn row that never ended */
#define OPEN_ROW(t, a) (t < MAXT && trow[t] == T_OPEN && tagent[t] == (a))
#define NEEDS_RUNNER(a) \
  (sess[a] == INTURN || OPEN_ROW(0, a) || OPEN_ROW(1, a) || OPEN_ROW(2, a) || OPEN_ROW(3, a))

/* The claim's guard against a dead runner's turn (finding F1 in docs/protocol.md): the
 * code as built (-DF1_AS_BUILT) claims whatever the open rows. */
#ifdef F1_AS_BUILT
#define NO_OPEN_ROW(a) true
#else
#define NO_OPEN_ROW(a) !(OPEN_ROW(0, a) || OPEN_ROW(1, a) || OPEN_ROW(2, a) || OPEN_ROW(3, a))
#endif

/* Does agent a have pending mail (unread, unclaimed)? */
#define HAS_PENDING(a) ((mstate[a] == PENDING) || (a == 0 && mstate[LATE] == PENDING))

/* The turn row ends and its mail goes back (store::Mail::release_turn + Turns::finish). */
inline release_turn(t) {
  trow[t] = T_ENDED;
  for (j : 0 .. NM - 1) {
    if
    :: mclaim[j] == t + 1 && mstate[j] == CLAIMED -> mstate[j] = PENDING; mclaim[j] = 0
    :: else -> skip
    fi
  }
}

/* The process group of turn t is killed (stop policy run to its end). */
inline kill_turn(t) {
  if
  :: tproc[t] == P_ALIVE -> tproc[t] = P_DEAD; texit[t] = X_KILLED
  :: else -> skip
  fi
}

/* settle_recovered (runner/turn_ends.cpp): one transaction, fenced. `idle`: idle agents
 * with pending mail may go stale too (the start-up recovery and a takeover). */
inline settle_recovered(h, a, idle) {
  atomic {
    if
    :: FENCE(h, a) ->
       if :: holder[a] != h -> unfenced_write = true :: else -> skip fi;
       for (i : 0 .. MAXT - 1) {
         if
         :: trow[i] == T_OPEN && tagent[i] == a ->
#ifdef DROP_CLAIMS
            trow[i] = T_ENDED
#else
            release_turn(i)
#endif
         :: else -> skip
         fi
       }
       if
       :: TERMINAL(sess[a]) ->
#ifdef DOUBLE_WD
          if :: sess[a] != COMPLETED && !reported[a] -> wd[a]++ :: else -> skip fi
#else
          skip
#endif
       :: sess[a] == INTURN ->
          if
          :: sess[a] = BETWEEN                          /* young: resumed */
          :: sess[a] = STALE; DEATH(a, true)            /* old: stale, worker_died */
          fi
       :: idle && !TERMINAL(sess[a]) && sess[a] != INTURN && HAS_PENDING(a) ->
          if
          :: skip                                       /* idle and young */
          :: sess[a] = STALE; DEATH(a, true)            /* idle, pending mail, old */
          fi
       :: else -> skip
       fi
    :: else -> skip                                     /* not ours: the holder recovers it */
    fi
  }
}

/* recover_agent (supervisor/recovery.cpp): under the turn lock, orphans first. */
inline recover_agent(h, a, o, idle) {
  if
  :: atomic { LOCKFREE(h, a) -> TAKE_LOCK(h, a, o) }
#ifndef NO_ORPHAN_KILL
     atomic {                                           /* reconcile_turn_pid */
       if
       :: pidfile[L(h, a)] != 0 -> kill_turn(pidfile[L(h, a)] - 1); pidfile[L(h, a)] = 0
       :: else -> skip
       fi
     }
     atomic {                                           /* reconcile_turn_cgroup */
       if
       :: cgfile[L(h, a)] != 0 -> kill_turn(cgfile[L(h, a)] - 1); cgfile[L(h, a)] = 0
       :: else -> skip
       fi
     }
#endif
     settle_recovered(h, a, idle);
     atomic { DROP_LOCK(h, a, o) }
  :: atomic { !LOCKFREE(h, a) -> skip }                 /* a live runner holds it */
  fi
}

/* The one settle transaction of a turn the runner ran (settle_run). */
inline settle_run(h, a, t, stopping) {
  atomic {
    if
    :: FENCE(h, a) ->
       if :: holder[a] != h || tfenced[t] -> unfenced_write = true :: else -> skip fi;
       clean = (texit[t] == X_CLEAN);
       if
       :: clean ->                                 /* mail read */
          for (i : 0 .. NM - 1) {
            if
            :: mclaim[i] == t + 1 && mstate[i] == CLAIMED ->
               if :: (tcarry[t] & BIT(i)) == 0 -> dropped = true :: else -> skip fi;
               mstate[i] = READ; mclaim[i] = 0
            :: else -> skip
            fi
          }
          trow[t] = T_ENDED
       :: else -> release_turn(t)                       /* mail released */
       fi;
       if
       :: sess[a] == INTURN ->
          if
          :: stop_req[a] -> sess[a] = STOPPED; DEATH(a, true)
          :: !stop_req[a] && stopping -> sess[a] = ZOMBIE; DEATH(a, true)      /* stalled */
          :: !stop_req[a] && !stopping && clean && tterm[t] -> sess[a] = COMPLETED
          :: !stop_req[a] && !stopping && clean && !tterm[t] ->
             sess[a] = BETWEEN; failed[a] = 0; reported[a] = false
          :: !stop_req[a] && !stopping && !clean ->
             failed[a]++;
             if
             :: failed[a] >= MAXF -> sess[a] = ZOMBIE; DEATH(a, true)
             :: else -> sess[a] = BETWEEN
             fi
          fi
       :: else -> skip                                  /* someone else settled: no 2nd worker_died */
       fi
    :: else -> skip                                     /* fenced out: the taker owns the agent */
    fi
  }
}

/* abandon_turn: a claimed turn that never started; fenced. */
inline abandon(h, a, t) {
  atomic {
    if
    :: FENCE(h, a) -> release_turn(t)
    :: else -> skip
    fi
  }
}

/* A runner: the supervisor's for (h, a), or the `drover turn` CLI's (cli). */
proctype Runner(byte h; byte a; byte me; bool cli) {
  byte t;               /* turn id + 1 */
  byte my;              /* the supervisor incarnation this runner belongs to */
  bool stopping;        /* the runner ran the stop policy (stall, or lease lost) */
  bool started;
  bool spawned;
  bool ran;             /* the CLI runner runs one turn (one `drover turn`) */
restart:
  atomic { t = 0; stopping = false; started = false; spawned = false };
end_wait:
  atomic { (cli || !down[h]) -> my = epoch[h] }
  if
  :: cli ->                             /* cmd_turn: recover_if_runner_died, then one turn */
     if
     :: NEEDS_RUNNER(a) && LOCKFREE(h, a) -> recover_agent(h, a, OWN_CLI, false)
     :: else -> skip
     fi
  :: else -> skip
  fi;
  {
end_idle:
    do
    :: /* The supervisor's pick (runnable query) and the try-lock, then the claim: one
        * transaction creates the turn row, claims the pending mail, and takes a free lease. */
       atomic {
         ((cli && !ran) ||
          (!cli && !stop_req[a] && (sess[a] == BOOT || sess[a] == BETWEEN) && HAS_PENDING(a) &&
           nt < MAXT && NO_OPEN_ROW(a) && (lease_host[a] == NONE || FENCE(h, a)))) &&
         LOCKFREE(h, a) ->
         TAKE_LOCK(h, a, me); ran = true
       }
       atomic {
         if
         :: lease_host[a] == NONE ->
            lease_host[a] = h; lease_tok[a]++; mytok[L(h, a)] = lease_tok[a]; holder[a] = h
         :: else -> skip
         fi;
         if
         :: FENCE(h, a) && !stop_req[a] && (sess[a] == BOOT || sess[a] == BETWEEN) &&
            HAS_PENDING(a) && nt < MAXT && NO_OPEN_ROW(a) ->
            t = nt + 1; nt++;
            if :: holder[a] != h -> unfenced_write = true :: else -> skip fi;
#ifndef CLAIM_BEFORE_ROW
            trow[t - 1] = T_OPEN; tagent[t - 1] = a; thost[t - 1] = h;
#endif
            for (i : 0 .. NM - 1) {
              if
              :: MTO(i) == a && mstate[i] == PENDING -> mstate[i] = CLAIMED; mclaim[i] = t
              :: else -> skip
              fi
            }
         :: else -> t = 0
         fi
       }
#ifdef CLAIM_BEFORE_ROW
       if :: t != 0 -> atomic { trow[t - 1] = T_OPEN; tagent[t - 1] = a; thost[t - 1] = h } :: else -> skip fi;
#endif
       if
       :: t == 0 -> atomic { DROP_LOCK(h, a, me) }
       :: t != 0 ->
          if
          :: atomic {                                   /* posix_spawn / clone3 */
#ifndef NO_CGROUP
               cgfile[L(h, a)] = t;                     /* turn.cgroup is written first */
#endif
               tproc[t - 1] = P_ALIVE; spawned = true
             }
          :: spawnfails < SPAWNFAILS -> spawnfails++; spawned = false; abandon(h, a, t - 1);                      /* spawn failed */
             atomic {                                   /* fail_agent_start */
               if
               :: FENCE(h, a) && (sess[a] == BOOT || sess[a] == BETWEEN) ->
                  if :: holder[a] != h -> unfenced_write = true :: else -> skip fi;
                  sess[a] = FAILED; DEATH(a, true)
               :: else -> skip
               fi
             }
          fi;
          if
          :: spawned ->
             pidfile[L(h, a)] = t;                      /* turn.pid */
             atomic {                                   /* record_started: in_turn */
               if
               :: FENCE(h, a) && (sess[a] == BOOT || sess[a] == BETWEEN) ->
                  sess[a] = INTURN; started = true
               :: else -> started = false
               fi
             }
             if
             :: started ->
                atomic {                                /* the user turn on stdin */
                  if
                  :: tproc[t - 1] == P_ALIVE ->
                     tinput[t - 1] = true;
                     for (i : 0 .. NM - 1) {
                       if :: mclaim[i] == t -> tcarry[t - 1] = tcarry[t - 1] | BIT(i) :: else -> skip fi
                     }
                  :: else -> skip
                  fi
                }
                do                                      /* stream until the group is gone */
                :: tproc[t - 1] == P_DEAD -> break      /* EOF and the group gone */
                :: atomic {                             /* stall, stop request, or lease lost */
                     tproc[t - 1] == P_ALIVE && !stopping &&
                     (stop_req[a] || !FENCE(h, a) || stalls < STALLS) ->
                     if :: !stop_req[a] && FENCE(h, a) -> stalls++ :: else -> skip fi;
                     stopping = true;
                     kill_turn(t - 1)                   /* SIGTERM, SIGKILL after kill_grace */
                   }
                od;
                settle_run(h, a, t - 1, stopping)
             :: else ->                                 /* ChildGuard kills it; abandon_turn */
                atomic { kill_turn(t - 1) };
                abandon(h, a, t - 1)
             fi
          :: else -> skip
          fi;
          atomic {                                      /* turn.cgroup, turn.pid, the lock */
            cgfile[L(h, a)] = 0; pidfile[L(h, a)] = 0; DROP_LOCK(h, a, me)
          }
       fi;
       atomic { t = 0; stopping = false; started = false; spawned = false }
    :: /* A stop for an agent no runner holds, carried out by the lease holder (issue 19
        * design: "within one tick"); settle_operator_stop. */
       !cli && stop_req[a] && !TERMINAL(sess[a]) && FENCE(h, a) && LOCKFREE(h, a) ->
       atomic { LOCKFREE(h, a) -> TAKE_LOCK(h, a, me) }
       atomic {
         if
         :: FENCE(h, a) && !TERMINAL(sess[a]) ->
            if :: holder[a] != h -> unfenced_write = true :: else -> skip fi;
            for (i : 0 .. MAXT - 1) {
              if :: trow[i] == T_OPEN && tagent[i] == a -> release_turn(i) :: else -> skip fi
            }
            sess[a] = STOPPED; DEATH(a, true)
         :: else -> skip
         fi
       }
       atomic { DROP_LOCK(h, a, me) }
    od
  } unless { !cli && my != epoch[h] };
  goto restart
}

/* A host's supervisor around its runners: crash (SIGKILL) and restart with recovery,
 * lease renewal, and the takeover of an agent whose lease ran out elsewhere. */
/* Renewal (one UPDATE per host per tick renews all its leases; here per agent, only when
 * one ran out) and takeover of a lease that ran out elsewhere, then the usual recovery. */
#define LEASE_UPKEEP(a) \
  :: atomic { a < NA && !down[h] && lease_host[a] == h && lease_tok[a] == mytok[L(h, a)] && \
              lease_exp[a] -> lease_exp[a] = false } \
  :: atomic { a < NA && !down[h] && lease_exp[a] && lease_host[a] != h -> \
              lease_host[a] = h; lease_tok[a]++; lease_exp[a] = false; \
              mytok[L(h, a)] = lease_tok[a]; holder[a] = h; \
              for (i : 0 .. MAXT - 1) { \
                if :: trow[i] == T_OPEN && tagent[i] == a && thost[i] != h -> tfenced[i] = true \
                   :: else -> skip fi \
              } } \
     recover_agent(h, a, OWN_RECOV, true) \
  :: atomic { a < NA && !down[h] && NEEDS_RUNNER(a) && FENCE(h, a) && LOCKFREE(h, a) -> skip } \
     recover_agent(h, a, OWN_RECOV, false)   /* adopt_dead_runners, every poll */

proctype Sup(byte h) {
  byte a;

end_sup:
  do
  :: atomic {                                           /* SIGKILL: the kernel drops its flocks */
       crashes < CRASHES && !down[h] ->
       crashes++; down[h] = true; epoch[h]++;
       for (i : 0 .. NA - 1) {
         if :: flock[L(h, i)] != OWN_CLI && flock[L(h, i)] != OWN_OPER -> flock[L(h, i)] = 0 :: else -> skip fi
       }
     }
     /* restart: recovery before anything is scheduled */
     for (a : 0 .. NA - 1) { recover_agent(h, a, OWN_RECOV, true) }
     down[h] = false
  LEASE_UPKEEP(0)
  LEASE_UPKEEP(1)
  od
}

/* Time: a lease runs out while its holder is paused, partitioned or down. */
#define EXPIRE(a) \
  :: atomic { a < NA && expiries < EXPIRIES && lease_host[a] != NONE && !lease_exp[a] -> \
              expiries++; lease_exp[a] = true }

active proctype Clock() {
end_clock:
  do
  EXPIRE(0)
  EXPIRE(1)
  od
}

/* The agents' processes: each may send its terminal mail, exit after a clean result,
 * or exit with an error (an orphan without input exits on stdin EOF). */
#define CHILD(t) \
  :: atomic { t < MAXT && tproc[t] == P_ALIVE && tinput[t] -> \
              tterm[t] = true; reported[tagent[t]] = true; tproc[t] = P_DEAD; texit[t] = X_CLEAN } \
  :: atomic { t < MAXT && tproc[t] == P_ALIVE && tinput[t] -> tproc[t] = P_DEAD; texit[t] = X_CLEAN } \
  :: atomic { t < MAXT && tproc[t] == P_ALIVE -> tproc[t] = P_DEAD; texit[t] = X_ERROR }

active proctype Children() {
end_children:
  do
  CHILD(0)
  CHILD(1)
  CHILD(2)
  CHILD(3)
  od
}

/* Someone mails agent 0 at some point (a parent, a peer, `drover nudge`). */
active proctype Sender() {
  mstate[LATE] == ABSENT -> mstate[LATE] = PENDING
}

/* `drover stop` of agent 0 from host 0 (runner/stop_agent.cpp). */
#ifndef NO_OPERATOR
active proctype Operator() {

  if
  :: true
  :: atomic { !TERMINAL(sess[0]) -> stop_req[0] = true } /* request_stop: the intent first */
     atomic {                                            /* SIGTERM, SIGKILL after the grace */
       if :: pidfile[L(0, 0)] != 0 -> kill_turn(pidfile[L(0, 0)] - 1) :: else -> skip fi
     }
     if
     :: TERMINAL(sess[0])                               /* the runner settled it as stopped */
     :: atomic { LOCKFREE(0, 0) && !TERMINAL(sess[0]) -> TAKE_LOCK(0, 0, OWN_OPER) }
        atomic {                                        /* no runner: kill what turn.pid names */
          if :: pidfile[L(0, 0)] != 0 -> kill_turn(pidfile[L(0, 0)] - 1); pidfile[L(0, 0)] = 0 :: else -> skip fi;
          if :: cgfile[L(0, 0)] != 0 -> kill_turn(cgfile[L(0, 0)] - 1); cgfile[L(0, 0)] = 0 :: else -> skip fi
        }
        atomic {                                        /* settle_operator_stop, fenced */
          if
          :: (lease_host[0] == NONE || FENCE(0, 0)) && !TERMINAL(sess[0]) ->
             if :: holder[0] != 0 && holder[0] != NONE -> unfenced_write = true :: else -> skip fi;
             for (i : 0 .. MAXT - 1) {
               if :: trow[i] == T_OPEN && tagent[i] == 0 -> release_turn(i) :: else -> skip fi
             }
             sess[0] = STOPPED; DEATH(0, true)
          :: else -> skip                               /* another host holds it: it stops it */
          fi
        }
        atomic { DROP_LOCK(0, 0, OWN_OPER) }
     fi
  fi
}

#endif

/* A live turn: its process runs and its host holds the agent. (A host that lost the agent
 * to a takeover cannot write anything for it, see docs/protocol.md on partitions.) */
#define LIVE(t) (tproc[t] == P_ALIVE && lease_host[tagent[t]] == thost[t])

#define ONE(c) (c)
#define LIVEA(t, a) ONE(LIVE(t) && trow[t] != T_FREE && tagent[t] == (a))
#define RUNNING(a) (LIVEA(0, a) + LIVEA(1, a) + LIVEA(2, a) + LIVEA(3, a))
#define CARRY(t, m) ONE(LIVE(t) && (tcarry[t] & BIT(m)) != 0)
#define CARRIERS(m) (CARRY(0, m) + CARRY(1, m) + CARRY(2, m) + CARRY(3, m))
#define P3_BAD (RUNNING(0) > 1 || (NA > 1 && RUNNING(1) > 1))
#define P2_BAD (CARRIERS(0) > 1 || CARRIERS(1) > 1 || (NM > 2 && CARRIERS(2) > 1))
#define UNCLAIMABLE(m) (mstate[m] == CLAIMED)
#define MAIL_KEPT (!UNCLAIMABLE(0) && !UNCLAIMABLE(1) && !(NM > 2 && UNCLAIMABLE(2)))
#define DEAD(a) (TERMINAL(sess[a]) && sess[a] != COMPLETED)
#define WD_OK(a) (wd[a] == owed[a] && (owed[a] == 0 || DEAD(a)) && \
                  (!DEAD(a) || reported[a] || wd[a] == 1))

/* The properties: one never claim each, chosen at run time with `pan -N NAME`. */
ltl mail_kept      { [] (!dropped && (quiet -> MAIL_KEPT)) }
ltl one_carrier    { [] !P2_BAD }
ltl one_turn       { [] !P3_BAD }
ltl one_worker_died { [] (wd[0] <= 1 && wd[1] <= 1 && (quiet -> (WD_OK(0) && (NA < 2 || WD_OK(1))))) }
ltl fenced         { [] !unfenced_write }

/* Witnesses that the runs the properties talk about exist (scripts/model-check expects a
 * "counterexample" to each: a run that reaches the state). */
ltl reach_stale     { [] !(sess[0] == STALE && wd[0] == 1) }
ltl reach_zombie    { [] !(sess[0] == ZOMBIE && wd[0] == 1) }
ltl reach_failed    { [] !(sess[0] == FAILED && wd[0] == 1) }
ltl reach_stopped   { [] !(sess[0] == STOPPED && wd[0] == 1) }
ltl reach_done      { [] !(quiet && sess[0] == COMPLETED && mstate[0] == READ && mstate[LATE] == READ) }
ltl reach_resumed   { [] !(crashes == 1 && sess[0] == BETWEEN && trow[0] == T_ENDED && mstate[0] == READ) }
ltl reach_takeover  { [] !(quiet && holder[0] == 1 && tfenced[0] && mstate[0] == READ) }
ltl reach_partition { [] !(tfenced[0] && tproc[0] == P_ALIVE && tinput[0] && lease_host[0] == 1) }

/* At quiescence (nothing can move any more) P1 and P4 look at the outcome. */
active proctype Quiescence() {
  timeout -> quiet = true
}

init {
  byte h;
  byte a;
  atomic {
    for (a : 0 .. NA - 1) {
      lease_host[a] = NONE; holder[a] = NONE; mstate[a] = PENDING
    }
    for (h : 0 .. NH - 1) {
      run Sup(h);
      for (a : 0 .. NA - 1) { run Runner(h, a, 1 + L(h, a), false) }
    }
#ifndef NO_CLI
    run Runner(0, 0, OWN_CLI, true)
#endif
  }
}
