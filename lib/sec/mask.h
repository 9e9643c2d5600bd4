/*
 * mask.h - what callers without pii:read see of a personal-data value.
 *
 *   email  john.doe@example.com -> j***@e***.com
 *   phone  +44 20 7946 0958     -> ***58 (the last two digits)
 *   last4  4111111111111111     -> ****1111
 *   full   anything             -> ***
 *   none   the value itself
 *
 * Short and odd values never leak more than these: an e-mail without '@'
 * or a phone without two digits is fully masked.
 */
#ifndef STRATA_SEC_MASK_H
#define STRATA_SEC_MASK_H

#include "data/collections.h"

struct arena;

/* The masked form of text (a value's text, not JSON), in the arena. */
const char *mask_apply(struct arena *a, enum field_mask m, const char *text);

#endif
