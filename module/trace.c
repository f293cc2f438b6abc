// SPDX-License-Identifier: GPL-2.0
/* The wpfault:* trace events themselves (trace.h). */
#define CREATE_TRACE_POINTS
#include "trace.h"
