"""The VideoKR GRPO reward, as verl and TRL load it.

reward = 0.9 * accuracy + 0.1 * format (the method's FORMATS.md):
- answer(text): the first <answer>...</answer> contents (the tags' inner whitespace left out), stripped;
  "" when there is none. The ground truth is given in <answer> tags too.
- format: 1 when the whole output is <think>...</think>, whitespace, <answer>...</answer>; else 0.
- accuracy: for "multiple choice", 1 when answer(output) == answer(truth); for "open-ended", the mean of
  the ROUGE-1, ROUGE-2 and ROUGE-L F-measures (clipped to [0, 1]) of answer(output) against
  answer(truth), as Google's rouge_score computes them with use_stemmer=True; any other problem type, 0.

Written by videokr train-config from @videokr/train; it gives exactly the reward of @videokr/eval/reward
and of the release's verl reward function (videokr's tests run it on the reference's vectors). It needs
Python 3 and NLTK (whose Porter stemmer rouge_score uses): `pip install nltk`.

verl: reward.custom_reward_function.path=<this file>, reward.custom_reward_function.name=compute_score.
TRL: GRPOTrainer(reward_funcs=[videokr_reward], ...) with the dataset's `solution` and `problem_type`
columns (videokr's TRL export writes them).
"""

import re

from nltk.stem import porter

__all__ = ["extract_answer", "format_reward", "accuracy_reward", "rouge", "reward", "compute_score", "videokr_reward"]

# Python's own regex whitespace and str.strip, as the reference: they include U+001C-U+001F and U+0085
_ANSWER = re.compile(r"<answer>\s*(.*?)\s*</answer>", re.DOTALL)
_FORMAT = re.compile(r"<think>.*?</think>\s*<answer>.*?</answer>", re.DOTALL)


def extract_answer(text):
    """The first <answer>...</answer> contents, stripped; "" when there is none."""
    found = _ANSWER.search(text)
    return found.group(1).strip() if found else ""


def format_reward(output):
    return 1.0 if _FORMAT.fullmatch(output) else 0.0


# --- ROUGE, as rouge_score computes it with use_stemmer=True ----------------------------------------
_stemmer = porter.PorterStemmer()
_stems = {}
_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
_TOKEN = re.compile(r"^[a-z0-9]+$")


def _stem(word):
    stem = _stems.get(word)
    if stem is None:
        if len(_stems) >= 200000:
            _stems.clear()
        stem = _stems[word] = _stemmer.stem(word)
    return stem


def _tokens(text):
    """Lower-cased, non-alphanumerics as separators, words longer than 3 characters stemmed."""
    words = _NON_ALPHANUMERIC.sub(" ", text.lower()).split()
    stemmed = [_stem(w) if len(w) > 3 else w for w in words]
    return [w for w in stemmed if _TOKEN.match(w)]


def _score(overlap, target_count, prediction_count):
    precision = overlap / prediction_count if prediction_count > 0 else 0.0
    recall = overlap / target_count if target_count > 0 else 0.0
    fmeasure = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return fmeasure


def _ngrams(tokens, n):
    counts = {}
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        counts[gram] = counts.get(gram, 0) + 1
    return counts


def _ngram_f(target, prediction, n):
    t = _ngrams(target, n)
    p = _ngrams(prediction, n)
    shared = sum(min(count, p.get(gram, 0)) for gram, count in t.items())
    return _score(shared, max(len(target) - n + 1, 0), max(len(prediction) - n + 1, 0))


def _lcs_length(a, b):
    if not a or not b:
        return 0
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j in range(1, len(b) + 1):
            above = row[j]
            row[j] = diagonal + 1 if x == b[j - 1] else max(above, row[j - 1])
            diagonal = above
    return row[len(b)]


def rouge(target, prediction):
    """(ROUGE-1 F, ROUGE-2 F, ROUGE-L F) of a prediction against a target."""
    t = _tokens(target)
    p = _tokens(prediction)
    return (_ngram_f(t, p, 1), _ngram_f(t, p, 2), _score(_lcs_length(t, p), len(t), len(p)))


def accuracy_reward(output, ground_truth, problem_type):
    answer = extract_answer(output)
    truth = extract_answer(ground_truth)
    if problem_type == "multiple choice":
        return 1.0 if answer == truth else 0.0
    if problem_type != "open-ended":
        return 0.0
    r1, r2, rl = rouge(truth, answer)
    return max(0.0, min(1.0, (r1 + r2 + rl) / 3))


def reward(output, ground_truth, problem_type):
    """{"reward", "accuracy", "format"} of one output."""
    fmt = format_reward(output)
    accuracy = accuracy_reward(output, ground_truth, problem_type)
    return {"reward": 0.9 * accuracy + 0.1 * fmt, "accuracy": accuracy, "format": fmt}


def compute_score(data_source=None, solution_str="", ground_truth="", extra_info=None, **kwargs):
    """verl's custom reward function: the problem type comes from extra_info (videokr's verl export)."""
    problem_type = (extra_info or {}).get("problem_type", "")
    scored = reward(solution_str, ground_truth, problem_type)
    return {"score": scored["reward"], "accuracy": scored["accuracy"], "format": scored["format"]}


def _text(completion):
    # TRL gives a conversational completion as [{"role": "assistant", "content": ...}]
    if isinstance(completion, str):
        return completion
    content = completion[-1]["content"] if completion else ""
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


def videokr_reward(prompts=None, completions=(), solution=(), problem_type=(), **kwargs):
    """TRL's GRPOTrainer reward function: one reward per completion, from the dataset's columns."""
    return [
        reward(_text(c), truth, kind)["reward"] for c, truth, kind in zip(completions, solution, problem_type)
    ]
