from knowledge.chunking import chunk_markdown


def test_chunks_follow_headings_and_keep_the_heading_path():
    chunks = chunk_markdown("# Deposit\n\nA $100 deposit.\n\n## Refunds\n\nRefunded 7 days before.\n")
    assert [(c.heading, c.text) for c in chunks] == [
        ("Deposit", "A $100 deposit."),
        ("Deposit > Refunds", "Refunded 7 days before."),
    ]


def test_long_sections_are_split_under_the_limit_with_a_small_overlap():
    sentences = [f"Sentence number {i} talks about the grill and the chef." for i in range(40)]
    paragraphs = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, 40, 4))
    chunks = chunk_markdown(f"# Long\n\n{paragraphs}", max_chars=700, overlap=100)
    assert len(chunks) > 2
    assert all(len(c.text) <= 700 for c in chunks)
    assert all(len(c.text) >= 200 for c in chunks[:-1])
    # the next chunk starts with the last sentence of the previous one
    last_sentence = chunks[0].text.rsplit(". ", 1)[-1]
    assert chunks[1].text.startswith(last_sentence)
