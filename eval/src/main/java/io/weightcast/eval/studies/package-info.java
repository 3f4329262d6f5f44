/** One-off studies behind decisions in the docs (interval calibration, label softness, predictor configurations). */
package io.weightcast.eval.studies;
