/**
 * Early stopping judged offline: the top-run and interval rules against Optuna's pruners replayed on the same runs
 * in several arrival orders, and the trainer's guarded rule replayed as served.
 */
package io.weightcast.eval.earlystop;
