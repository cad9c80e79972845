"""SFT of a Qwen-VL model on a videokr corpus with TRL's SFTTrainer.

    torchrun --nproc_per_node gpu videokr_trl_sft.py --config sft.yaml [--key value ...]

Written by videokr train-config. TRL's SFTTrainer collates images but not videos (its vision collator
reads an `images` column only), so this script brings the video collation and leaves the rest to TRL:

- each example's video is read by qwen-vl-utils with the run's frame settings (2 fps, 4 to 128 frames,
  at most 128*28*28 pixels a frame: the method's FORMATS.md, as the release's LLaMA-Factory SFT);
- the loss covers the assistant's turn only (its text, <|im_end|> and the newline after it), as
  LLaMA-Factory's supervised template does with train_on_prompt false;
- the vision tower and the projector are frozen, as the release's freeze_vision_tower and
  freeze_multi_modal_projector.

The data is videokr's TRL export (data/trl/sft.jsonl): `messages` with a video slot in the user turn and
`videos` with the video's path, relative to --media_dir (default: the data file's folder, as
LLaMA-Factory's media_dir). sft.yaml holds SFTConfig's settings and this script's VideoArguments; the
command line overrides them (TRL's TrlParser).

Needs Python 3.11 with trl 1.9, transformers (4.57 or later), torch, deepspeed, accelerate, datasets,
flash-attn and qwen-vl-utils[decord] (see the run folder's README).
"""

import os
from dataclasses import dataclass, field
from typing import Optional

__all__ = ["VideoArguments", "assistant_labels", "batch_labels", "frozen", "conversation", "main"]

IGNORE_INDEX = -100  # transformers' cross-entropy ignores these labels


@dataclass
class VideoArguments:
    """What SFTConfig does not hold: the model, the data and how its videos are read."""

    model_name_or_path: str = field(metadata={"help": "the base model: a Hugging Face id or a local folder"})
    train_file: str = field(metadata={"help": "videokr's TRL SFT export (sft.jsonl)"})
    media_dir: Optional[str] = field(
        default=None, metadata={"help": "the folder video paths are relative to (default: the data file's folder)"}
    )
    video_fps: float = field(default=2.0, metadata={"help": "frames sampled per second of video"})
    video_min_frames: int = field(default=4, metadata={"help": "at least this many frames a video"})
    video_max_frames: int = field(default=128, metadata={"help": "at most this many frames a video"})
    video_max_pixels: int = field(default=100352, metadata={"help": "at most this many pixels a frame"})
    video_min_pixels: int = field(default=256, metadata={"help": "at least this many pixels a frame"})
    freeze_vision_tower: bool = field(default=True, metadata={"help": "leave the vision encoder untrained"})
    freeze_multi_modal_projector: bool = field(
        default=True, metadata={"help": "leave the vision-to-language projector (merger) untrained"}
    )
    attn_implementation: str = field(
        default="flash_attention_2", metadata={"help": "flash_attention_2, sdpa or eager"}
    )


def frozen(name, tower, projector):
    """Whether a parameter (by its name) stays untrained: the projector is the vision model's merger, the
    tower the rest of the vision model (Qwen3-VL's deepstack mergers with it, as LLaMA-Factory counts them)."""
    if "visual." not in name:
        return False
    return projector if "visual.merger." in name else tower


def assistant_labels(input_ids, attention_mask, assistant_start):
    """The labels of one tokenized conversation: the tokens after each assistant header
    (`assistant_start`, the ids of "<|im_start|>assistant\\n") up to the next <|im_start|> or the end,
    padding excepted; IGNORE_INDEX elsewhere."""
    start_id = assistant_start[0]
    labels = [IGNORE_INDEX] * len(input_ids)
    i = 0
    inside = False
    while i < len(input_ids):
        if input_ids[i : i + len(assistant_start)] == assistant_start:
            inside = True
            i += len(assistant_start)
            continue
        if input_ids[i] == start_id:
            inside = False
        if inside and attention_mask[i] == 1:
            labels[i] = input_ids[i]
        i += 1
    return labels


def batch_labels(input_ids, attention_mask, assistant_start):
    """The labels of a batch; an example with nothing to learn is an error, not a silent zero loss."""
    labels = [assistant_labels(ids, mask, assistant_start) for ids, mask in zip(input_ids, attention_mask)]
    for row, ids in zip(labels, input_ids):
        if all(label == IGNORE_INDEX for label in row):
            # no assistant header where the chat template puts it (an answer starting with whitespace
            # merges the header's newline into another token)
            raise ValueError(f"an example has no assistant turn to learn: {len(ids)} tokens, none after the assistant header")
    return labels


def conversation(example, media_dir, video):
    """An exported example as qwen-vl-utils reads it: the video slot given its file and frame settings."""
    videos = iter(example["videos"])
    messages = []
    for message in example["messages"]:
        content = []
        for part in message["content"]:
            if part["type"] == "video":
                path = next(videos)
                content.append({"type": "video", "video": os.path.join(media_dir, path), **video})
            else:
                content.append({"type": "text", "text": part["text"]})
        messages.append({"role": message["role"], "content": content})
    return messages


class VideoCollator:
    """Batches of exported examples as the model's inputs: text and video through the model's processor,
    labels on the assistant's turns."""

    def __init__(self, processor, video_args, media_dir, max_length, qwen3):
        self.processor = processor
        self.media_dir = media_dir
        self.max_length = max_length
        self.qwen3 = qwen3
        self.video = {
            "fps": video_args.video_fps,
            "min_frames": video_args.video_min_frames,
            "max_frames": video_args.video_max_frames,
            "max_pixels": video_args.video_max_pixels,
            "min_pixels": video_args.video_min_pixels,
        }
        self.assistant_start = processor.tokenizer.encode("<|im_start|>assistant\n", add_special_tokens=False)

    def __call__(self, examples):
        import torch
        from qwen_vl_utils import process_vision_info

        conversations = [conversation(e, self.media_dir, self.video) for e in examples]
        texts = [self.processor.apply_chat_template(c, tokenize=False) for c in conversations]
        if self.qwen3:
            # Qwen3-VL: 16-pixel patches, and the frames' timestamps go to the processor with them
            _, videos, video_kwargs = process_vision_info(
                conversations, image_patch_size=16, return_video_kwargs=True, return_video_metadata=True
            )
            videos, metadata = (list(x) for x in zip(*videos))
            batch = self.processor(
                text=texts,
                videos=videos,
                video_metadata=metadata,
                do_resize=False,
                padding=True,
                return_tensors="pt",
                **video_kwargs,
            )
        else:
            _, videos, video_kwargs = process_vision_info(conversations, return_video_kwargs=True)
            # the frames are sized already: the processor must not size them again by its own limits
            batch = self.processor(
                text=texts, videos=videos, do_resize=False, padding=True, return_tensors="pt", **video_kwargs
            )
        longest = int(batch["attention_mask"].sum(dim=1).max())
        if self.max_length is not None and longest > self.max_length:
            # cutting a video's tokens would break the model's inputs, so an over-long example is an error
            raise ValueError(
                f"an example of {longest} tokens is longer than max_length {self.max_length}: raise max_length "
                "in sft.yaml or lower video_max_pixels / video_max_frames"
            )
        batch["labels"] = torch.tensor(
            batch_labels(batch["input_ids"].tolist(), batch["attention_mask"].tolist(), self.assistant_start)
        )
        return batch


def main(argv=None):
    import torch
    from datasets import load_dataset
    from transformers import AutoModelForImageTextToText, AutoProcessor
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTConfig, SFTTrainer, TrlParser

    training_args, video_args = TrlParser((SFTConfig, VideoArguments)).parse_args_and_config(args=argv)
    # the collator reads the raw `messages` and `videos` columns: TRL must neither tokenize the dataset
    # nor drop the columns its model does not name
    training_args.dataset_kwargs = {**(training_args.dataset_kwargs or {}), "skip_prepare_dataset": True}
    training_args.remove_unused_columns = False

    media_dir = video_args.media_dir or os.path.dirname(os.path.abspath(video_args.train_file))
    train = load_dataset("json", data_files=video_args.train_file, split="train")

    processor = AutoProcessor.from_pretrained(
        video_args.model_name_or_path, trust_remote_code=training_args.trust_remote_code
    )
    processor.tokenizer.padding_side = "right"
    model = AutoModelForImageTextToText.from_pretrained(
        video_args.model_name_or_path,
        dtype=torch.bfloat16 if training_args.bf16 is not False else None,
        attn_implementation=video_args.attn_implementation,
        trust_remote_code=training_args.trust_remote_code,
    )
    for name, parameter in model.named_parameters():
        if frozen(name, video_args.freeze_vision_tower, video_args.freeze_multi_modal_projector):
            parameter.requires_grad_(False)

    collator = VideoCollator(
        processor,
        video_args,
        media_dir,
        training_args.max_length,
        qwen3=model.config.model_type.startswith("qwen3"),
    )
    trainer = SFTTrainer(
        model=model,
        args=training_args,
        train_dataset=train,
        data_collator=collator,
        processing_class=processor,
    )
    resume = training_args.resume_from_checkpoint
    if resume is None and os.path.isdir(training_args.output_dir):
        # a run stopped part-way goes on from its last checkpoint, as LLaMA-Factory's does
        resume = get_last_checkpoint(training_args.output_dir)
    trainer.train(resume_from_checkpoint=resume)
    # the processor is saved with the model (the Trainer does it on the main process)
    trainer.save_model(training_args.output_dir)


if __name__ == "__main__":
    main()
