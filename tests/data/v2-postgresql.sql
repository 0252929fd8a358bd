--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2
-- Dumped by pg_dump version 16.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: article_tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.article_tags (
    article_pk integer NOT NULL,
    tag character varying(200) NOT NULL,
    tag_slug character varying(200) NOT NULL,
    published timestamp without time zone
);


--
-- Name: articles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.articles (
    pk integer NOT NULL,
    feed_id character varying(500) NOT NULL,
    key character varying(500),
    url character varying(2000),
    path character varying(2000),
    slug character varying(200) NOT NULL,
    title text NOT NULL,
    published timestamp without time zone NOT NULL,
    updated timestamp without time zone NOT NULL,
    content_hash character varying(64) NOT NULL,
    data text NOT NULL,
    state character varying(20) NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: articles_pk_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.articles_pk_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: articles_pk_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.articles_pk_seq OWNED BY public.articles.pk;


--
-- Name: deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deliveries (
    id integer NOT NULL,
    kind character varying(20) NOT NULL,
    issue_id integer,
    subscriber_id integer NOT NULL,
    state character varying(20) NOT NULL,
    attempts integer NOT NULL,
    due_at timestamp without time zone NOT NULL,
    claimed_by character varying(100),
    claimed_at timestamp without time zone,
    sent_at timestamp without time zone,
    reply text
);


--
-- Name: deliveries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.deliveries_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: deliveries_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.deliveries_id_seq OWNED BY public.deliveries.id;


--
-- Name: issues; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.issues (
    id integer NOT NULL,
    article_pk integer NOT NULL,
    state character varying(20) NOT NULL,
    subject text NOT NULL,
    content_hash character varying(64) NOT NULL,
    message bytea NOT NULL,
    created_at timestamp without time zone NOT NULL,
    queued_at timestamp without time zone,
    cancelled_at timestamp without time zone
);


--
-- Name: issues_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.issues_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: issues_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.issues_id_seq OWNED BY public.issues.id;


--
-- Name: schema_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_version (
    version integer NOT NULL
);


--
-- Name: signup_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.signup_attempts (
    id integer NOT NULL,
    email_key character varying(320) NOT NULL,
    client character varying(100),
    created_at timestamp without time zone NOT NULL
);


--
-- Name: signup_attempts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.signup_attempts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: signup_attempts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.signup_attempts_id_seq OWNED BY public.signup_attempts.id;


--
-- Name: subscribers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.subscribers (
    id integer NOT NULL,
    email character varying(320) NOT NULL,
    email_key character varying(320) NOT NULL,
    name character varying(200),
    state character varying(20) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    signup_method character varying(20) NOT NULL,
    signup_client character varying(100),
    confirmed_at timestamp without time zone,
    confirm_method character varying(20),
    confirm_client character varying(100),
    unsubscribed_at timestamp without time zone,
    unsubscribe_method character varying(20),
    bounced_at timestamp without time zone,
    bounce_reply text,
    soft_bounces integer NOT NULL
);


--
-- Name: subscribers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.subscribers_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: subscribers_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.subscribers_id_seq OWNED BY public.subscribers.id;


--
-- Name: suppressions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.suppressions (
    email_hash character varying(64) NOT NULL,
    reason character varying(20) NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: articles pk; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.articles ALTER COLUMN pk SET DEFAULT nextval('public.articles_pk_seq'::regclass);


--
-- Name: deliveries id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries ALTER COLUMN id SET DEFAULT nextval('public.deliveries_id_seq'::regclass);


--
-- Name: issues id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.issues ALTER COLUMN id SET DEFAULT nextval('public.issues_id_seq'::regclass);


--
-- Name: signup_attempts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.signup_attempts ALTER COLUMN id SET DEFAULT nextval('public.signup_attempts_id_seq'::regclass);


--
-- Name: subscribers id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscribers ALTER COLUMN id SET DEFAULT nextval('public.subscribers_id_seq'::regclass);


--
-- Data for Name: article_tags; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.article_tags VALUES (1, 'Harbour', 'harbour', '2025-03-02 00:00:00');


--
-- Data for Name: articles; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.articles VALUES (1, 'tag:news.example.com,2025-03-02:new-lights-for-the-north-pier', 'pier-lights', NULL, 'content/pier.md', 'new-lights-for-the-north-pier', 'New lights for the north pier', '2025-03-02 00:00:00', '2025-03-02 00:00:00', 'f327208f9a7166fa14d9e1d86611a5a4b9e7d7d9296ca66900ded5ca8d649c02', '{"authors": [], "blocks": [{"html": "The north pier gets new lamps this spring, paid for by the harbour fund.", "text": "The north pier gets new lamps this spring, paid for by the harbour fund.", "type": "paragraph"}], "dek": null, "id": "tag:news.example.com,2025-03-02:new-lights-for-the-north-pier", "language": "en", "lead": null, "newsletter": null, "published": "2025-03-02T00:00:00+00:00", "slug": "new-lights-for-the-north-pier", "source": null, "tags": ["Harbour"], "title": "New lights for the north pier", "updated": "2025-03-02T00:00:00+00:00", "url": null}', 'published', '2026-11-29 09:13:54');


--
-- Data for Name: deliveries; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.deliveries VALUES (3, 'issue', 1, 2, 'due', 0, '2026-11-29 09:13:54.366455', NULL, NULL, NULL, NULL);
INSERT INTO public.deliveries VALUES (1, 'confirm', NULL, 5, 'sent', 1, '2026-11-29 09:13:54.310523', 'vm:10248:6ff29cf8', '2026-11-29 09:13:54.688772', '2026-11-29 09:13:54.742799', '250 written to outbox/20261129T091354-pending@example.net-dce6f6d6.eml');
INSERT INTO public.deliveries VALUES (2, 'issue', 1, 1, 'sent', 1, '2026-11-29 09:13:54.366455', 'vm:10248:6ff29cf8', '2026-11-29 09:13:54.688772', '2026-11-29 09:13:54.755261', '250 written to outbox/20261129T091354-reader0@example.net-9282df96.eml');
INSERT INTO public.deliveries VALUES (4, 'issue', 1, 3, 'cancelled', 0, '2026-11-29 09:13:54.366455', NULL, NULL, NULL, NULL);
INSERT INTO public.deliveries VALUES (5, 'issue', 1, 4, 'cancelled', 0, '2026-11-29 09:13:54.366455', NULL, NULL, NULL, NULL);


--
-- Data for Name: issues; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.issues VALUES (1, 1, 'queued', 'New lights for the north pier', 'f327208f9a7166fa14d9e1d86611a5a4b9e7d7d9296ca66900ded5ca8d649c02', '\x46726f6d3a2054686520486172626f7572204c6574746572203c6e6577736c6574746572406e6577732e6578616d706c652e636f6d3e0d0a546f3a2073796e6469636174652d706c616365686f6c6465722d746f40706c616365686f6c6465722e696e76616c69640d0a5375626a6563743a204e6577206c696768747320666f7220746865206e6f72746820706965720d0a446174653a2053756e2c203239204e6f7620323032362030393a31333a3534202b303030300d0a4d6573736167652d49443a203c73796e6469636174652d706c616365686f6c6465722d6d6573736167652d696440706c616365686f6c6465722e696e76616c69643e0d0a4c6973742d49643a2054686520486172626f7572204c6574746572203c7468652d686172626f75722d6c65747465722e6e6577732e6578616d706c652e636f6d3e0d0a4c6973742d556e7375627363726962653a203c73796e6469636174652d706c616365686f6c6465722d756e7375627363726962652d75726c3e2c0d0a203c6d61696c746f3a756e737562736372696265406e6577732e6578616d706c652e636f6d3f7375626a6563743d756e7375627363726962653e0d0a4c6973742d556e7375627363726962652d506f73743a204c6973742d556e7375627363726962653d4f6e652d436c69636b0d0a4d494d452d56657273696f6e3a20312e300d0a436f6e74656e742d547970653a206d756c7469706172742f616c7465726e61746976653b0d0a20626f756e646172793d2273796e6469636174652d3631366634613435636432343333313663623961336435363662646635303664220d0a0d0a2d2d73796e6469636174652d36313666346134356364323433333136636239613364353636626466353036640d0a436f6e74656e742d547970653a20746578742f706c61696e3b20636861727365743d227574662d38220d0a436f6e74656e742d5472616e736665722d456e636f64696e673a2071756f7465642d7072696e7461626c650d0a0d0a54686520486172626f7572204c65747465720d0a0d0a4e6577206c696768747320666f7220746865206e6f72746820706965720d0a0d0a546865206e6f72746820706965722067657473206e6577206c616d7073207468697320737072696e672c207061696420666f722062792074686520686172626f75722066756e642e0d0a0d0a2d2d0d0a596f7520726563656976652054686520486172626f7572204c6574746572206265636175736520746869732061646472657373207375627363726962656420746f206974206174205468650d0a486172626f7572204c65747465723a0d0a73796e6469636174652d706c616365686f6c6465722d616464726573730d0a0d0a556e7375627363726962652077697468206f6e6520636c69636b2c20617420616e792074696d652e0d0a73796e6469636174652d706c616365686f6c6465722d756e7375627363726962652d75726c0d0a0d0a2d2d73796e6469636174652d36313666346134356364323433333136636239613364353636626466353036640d0a436f6e74656e742d547970653a20746578742f68746d6c3b20636861727365743d227574662d38220d0a436f6e74656e742d5472616e736665722d456e636f64696e673a2071756f7465642d7072696e7461626c650d0a0d0a3c21444f43545950452068746d6c3e0d0a3c68746d6c206c616e673d334422656e22206469723d3344226c7472223e0d0a3c686561643e0d0a3c6d65746120636861727365743d3344227574662d38223e0d0a3c6d657461206e616d653d33442276696577706f72742220636f6e74656e743d33442277696474683d33446465766963652d77696474682c20696e697469616c2d7363616c653d334431223e0d0a3c6d657461206e616d653d334422782d6170706c652d64697361626c652d6d6573736167652d7265666f726d617474696e67223e0d0a3c6d657461206e616d653d334422636f6c6f722d736368656d652220636f6e74656e743d3344226c69676874206461726b223e0d0a3c6d657461206e616d653d334422737570706f727465642d636f6c6f722d736368656d65732220636f6e74656e743d3344226c69676874206461726b223e0d0a3c7469746c653e54686520486172626f7572204c65747465723c2f7469746c653e0d0a3c7374796c653e406d656469612073637265656e20616e6420286d61782d77696474683a20363230707829207b0d0a202020202e636f6e7461696e6572207b0d0a202020202020202077696474683a20313030252021696d706f7274616e740d0a20202020202020207d0d0a20202020696d67207b0d0a202020202020202077696474683a20313030252021696d706f7274616e743b0d0a20202020202020206865696768743a206175746f2021696d706f7274616e740d0a20202020202020207d0d0a202020202e636f6e74656e742c202e6d617374686561642c202e666f6f746572207b0d0a202020202020202070616464696e672d6c6566743a20313870782021696d706f7274616e743b0d0a202020202020202070616464696e672d72696768743a20313870782021696d706f7274616e740d0a20202020202020207d0d0a202020206831207b0d0a2020202020202020666f6e742d73697a653a20323570782021696d706f7274616e740d0a20202020202020207d0d0a20202020702c206c69207b0d0a2020202020202020666f6e742d73697a653a20313770782021696d706f7274616e740d0a20202020202020207d0d0a202020207d0d0a406d656469612028707265666572732d636f6c6f722d736368656d653a206461726b29207b0d0a20202020626f64792c202e6f75746572207b0d0a20202020202020206261636b67726f756e642d636f6c6f723a20233132313231322021696d706f7274616e740d0a20202020202020207d0d0a202020202e63617264207b0d0a20202020202020206261636b67726f756e642d636f6c6f723a20233165316531652021696d706f7274616e740d0a20202020202020207d0d0a2020202074642c20702c206c692c2068312c2068322c2068332c202e64656b207b0d0a2020202020202020636f6c6f723a20236563656365632021696d706f7274616e740d0a20202020202020207d0d0a202020202e63617074696f6e2c202e62796c696e652c202e666f6f7465722c202e736d616c6c2c202e636974652c202e637265646974207b0d0a2020202020202020636f6c6f723a20236235623161382021696d706f7274616e740d0a20202020202020207d0d0a20202020612c202e6d61737468656164207b0d0a2020202020202020636f6c6f723a20236630613038662021696d706f7274616e740d0a20202020202020207d0d0a202020207d3c2f7374796c653e0d0a3c7374796c653e0d0a20205b646174612d6f6773625d202e6f75746572207b206261636b67726f756e642d636f6c6f723a20233132313231322021696d706f7274616e743b207d0d0a20205b646174612d6f6773625d202e63617264207b206261636b67726f756e642d636f6c6f723a20233165316531652021696d706f7274616e743b207d0d0a20205b646174612d6f6773635d2074642c205b646174612d6f6773635d20702c205b646174612d6f6773635d206c692c205b646174612d6f6773635d2068312c205b646174612d6f6773633d0d0a5d2068322c205b646174612d6f6773635d206833207b20636f6c6f723a20236563656365632021696d706f7274616e743b207d0d0a20205b646174612d6f6773635d20612c205b646174612d6f6773635d202e6d61737468656164207b20636f6c6f723a20236630613038662021696d706f7274616e743b207d0d0a3c2f7374796c653e0d0a3c212d2d5b6966206d736f5d3e0d0a3c7374796c653e0d0a202074642c20702c206c692c2068312c2068322c206833207b20666f6e742d66616d696c793a2047656f726769612c2073657269662021696d706f7274616e743b207d0d0a3c2f7374796c653e0d0a3c215b656e6469665d2d2d3e0d0a3c2f686561643e0d0a3c626f647920636c6173733d3344226f7574657222207374796c653d3344226d617267696e3a303b2070616464696e673a303b2077696474683a313030253b206261636b67726f756e642d3d0d0a636f6c6f723a236633663265653b202d7765626b69742d746578742d73697a652d61646a7573743a31303025223e0d0a3c7461626c6520726f6c653d33442270726573656e746174696f6e2220636c6173733d3344226f75746572222077696474683d33442231303025222063656c6c70616464696e673d3344223d0d0a30222063656c6c73706163696e673d3344223022207374796c653d334422626f726465722d636f6c6c617073653a636f6c6c617073653b206261636b67726f756e642d636f6c6f723a23663d0d0a3366326565223e0d0a3c74626f64793e0d0a3c74723e0d0a3c746420616c69676e3d33442263656e74657222207374796c653d334427666f6e742d66616d696c793a47656f726769612c202254696d6573204e657720526f6d616e222c2073657269663d0d0a3b20636f6c6f723a23316631663166273e0d0a3c7461626c6520726f6c653d33442270726573656e746174696f6e2220636c6173733d334422636f6e7461696e65722063617264222077696474683d334422363030222063656c6c7061643d0d0a64696e673d33442230222063656c6c73706163696e673d3344223022207374796c653d334422626f726465722d636f6c6c617073653a636f6c6c617073653b206261636b67726f756e642d3d0d0a636f6c6f723a23666666223e0d0a3c74626f64793e0d0a3c74723e0d0a3c746420636c6173733d3344226d6173746865616422207374796c653d334422666f6e742d66616d696c793a48656c7665746963612c20417269616c2c2073616e732d73657269663b20633d0d0a6f6c6f723a233861326231663b2070616464696e673a3230707820333270783b20666f6e742d73697a653a313470783b20666f6e742d7765696768743a626f6c643b206c65747465722d733d0d0a706163696e673a302e3034656d3b20626f726465722d626f74746f6d3a31707820736f6c69642023653465316461223e54686520486172626f7572204c65747465723c2f74643e0d0a3c2f74723e0d0a3c74723e0d0a3c746420636c6173733d334422636f6e74656e7422207374796c653d334427666f6e742d66616d696c793a47656f726769612c202254696d6573204e657720526f6d616e222c20736572693d0d0a663b20636f6c6f723a233166316631663b2070616464696e673a3238707820333270782038707820333270783b20666f6e742d73697a653a313870783b206c696e652d6865696768743a313d0d0a2e3535273e0d0a3c6831207374796c653d3344276d617267696e3a302030203132707820303b20666f6e742d66616d696c793a47656f726769612c202254696d6573204e657720526f6d616e222c207365723d0d0a69663b20666f6e742d73697a653a333070783b206c696e652d6865696768743a312e323b20636f6c6f723a23313131273e4e6577206c696768747320666f7220746865206e6f72746820703d0d0a6965723c2f68313e0d0a3c70207374796c653d3344226d617267696e3a302030203138707820303b20666f6e742d73697a653a313870783b206c696e652d6865696768743a312e35353b20636f6c6f723a233166313d0d0a663166223e546865206e6f72746820706965722067657473206e6577206c616d7073207468697320737072696e672c207061696420666f722062792074686520686172626f75722066756e3d0d0a642e3c2f703e0d0a3c2f74643e0d0a3c2f74723e0d0a3c74723e0d0a3c746420636c6173733d334422666f6f74657222207374796c653d334422666f6e742d66616d696c793a48656c7665746963612c20417269616c2c2073616e732d73657269663b20636f6c3d0d0a6f723a233566356335353b2070616464696e673a323070782033327078203238707820333270783b20666f6e742d73697a653a313370783b206c696e652d6865696768743a312e353b20623d0d0a6f726465722d746f703a31707820736f6c69642023653465316461223e0d0a3c7020636c6173733d334422736d616c6c22207374796c653d3344226d617267696e3a3020302038707820303b20666f6e742d73697a653a313370783b206c696e652d6865696768743a313d0d0a2e353b20636f6c6f723a233566356335353b20666f6e742d66616d696c793a48656c7665746963612c20417269616c2c2073616e732d7365726966223e596f7520726563656976652054683d0d0a6520486172626f7572204c657474657220626563617573652073796e6469636174652d706c616365686f6c6465722d61646472657373207375627363726962656420746f206974206174203d0d0a54686520486172626f7572204c65747465722e3c2f703e0d0a3c7020636c6173733d334422736d616c6c22207374796c653d3344226d617267696e3a3020302038707820303b20666f6e742d73697a653a313370783b206c696e652d6865696768743a313d0d0a2e353b20636f6c6f723a233566356335353b20666f6e742d66616d696c793a48656c7665746963612c20417269616c2c2073616e732d7365726966223e3c6120687265663d33442273796e3d0d0a6469636174652d706c616365686f6c6465722d756e7375627363726962652d75726c22207374796c653d334422636f6c6f723a233861326231663b20746578742d6465636f726174696f6e3d0d0a3a756e6465726c696e65223e556e7375627363726962653c2f613e2077697468206f6e6520636c69636b2c20617420616e792074696d652e3c2f703e0d0a3c2f74643e0d0a3c2f74723e0d0a3c2f74626f64793e0d0a3c2f7461626c653e0d0a3c2f74643e0d0a3c2f74723e0d0a3c2f74626f64793e0d0a3c2f7461626c653e0d0a3c2f626f64793e0d0a3c2f68746d6c3e0d0a0d0a2d2d73796e6469636174652d36313666346134356364323433333136636239613364353636626466353036642d2d0d0a', '2026-11-29 09:13:54.366455', '2026-11-29 09:13:54.366455', NULL);


--
-- Data for Name: schema_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_version VALUES (2);


--
-- Data for Name: signup_attempts; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: subscribers; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.subscribers VALUES (1, 'reader0@example.net', 'reader0@example.net', 'Reader 0', 'active', '2026-11-29 09:13:54.277552', 'cli', NULL, '2026-11-29 09:13:54.277552', 'cli', NULL, NULL, NULL, NULL, NULL, 0);
INSERT INTO public.subscribers VALUES (2, 'reader1@example.net', 'reader1@example.net', 'Reader 1', 'active', '2026-11-29 09:13:54.288136', 'cli', NULL, '2026-11-29 09:13:54.288136', 'cli', NULL, NULL, NULL, NULL, NULL, 0);
INSERT INTO public.subscribers VALUES (5, 'pending@example.net', 'pending@example.net', 'Pat', 'pending', '2026-11-29 09:13:54.310523', 'import', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0);
INSERT INTO public.subscribers VALUES (3, 'reader2@example.net', 'reader2@example.net', 'Reader 2', 'unsubscribed', '2026-11-29 09:13:54.297526', 'cli', NULL, '2026-11-29 09:13:54.297526', 'cli', NULL, '2026-11-29 09:13:54.766172', 'cli', NULL, NULL, 0);
INSERT INTO public.subscribers VALUES (4, 'reader3@example.net', 'reader3@example.net', 'Reader 3', 'bounced', '2026-11-29 09:13:54.306112', 'cli', NULL, '2026-11-29 09:13:54.306112', 'cli', NULL, NULL, NULL, '2026-11-29 09:13:54.781935', '550 5.1.1 no such mailbox', 0);


--
-- Data for Name: suppressions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: articles_pk_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.articles_pk_seq', 1, true);


--
-- Name: deliveries_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.deliveries_id_seq', 5, true);


--
-- Name: issues_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.issues_id_seq', 1, true);


--
-- Name: signup_attempts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.signup_attempts_id_seq', 1, false);


--
-- Name: subscribers_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.subscribers_id_seq', 5, true);


--
-- Name: article_tags article_tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.article_tags
    ADD CONSTRAINT article_tags_pkey PRIMARY KEY (article_pk, tag);


--
-- Name: articles articles_feed_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT articles_feed_id_key UNIQUE (feed_id);


--
-- Name: articles articles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.articles
    ADD CONSTRAINT articles_pkey PRIMARY KEY (pk);


--
-- Name: deliveries deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id);


--
-- Name: issues issues_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.issues
    ADD CONSTRAINT issues_pkey PRIMARY KEY (id);


--
-- Name: deliveries one_delivery_per_issue; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT one_delivery_per_issue UNIQUE (issue_id, subscriber_id);


--
-- Name: signup_attempts signup_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.signup_attempts
    ADD CONSTRAINT signup_attempts_pkey PRIMARY KEY (id);


--
-- Name: subscribers subscribers_email_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscribers
    ADD CONSTRAINT subscribers_email_key_key UNIQUE (email_key);


--
-- Name: subscribers subscribers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscribers
    ADD CONSTRAINT subscribers_pkey PRIMARY KEY (id);


--
-- Name: suppressions suppressions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suppressions
    ADD CONSTRAINT suppressions_pkey PRIMARY KEY (email_hash);


--
-- Name: article_tags_newest; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX article_tags_newest ON public.article_tags USING btree (tag_slug, published, article_pk, tag);


--
-- Name: article_tags_spelling; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX article_tags_spelling ON public.article_tags USING btree (tag_slug, tag);


--
-- Name: deliveries_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX deliveries_due ON public.deliveries USING btree (state, due_at);


--
-- Name: ix_article_tags_tag_slug; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_article_tags_tag_slug ON public.article_tags USING btree (tag_slug);


--
-- Name: ix_articles_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_articles_key ON public.articles USING btree (key);


--
-- Name: ix_articles_path; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_articles_path ON public.articles USING btree (path);


--
-- Name: ix_articles_published; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_articles_published ON public.articles USING btree (published);


--
-- Name: ix_articles_url; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_articles_url ON public.articles USING btree (url);


--
-- Name: ix_deliveries_issue_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_deliveries_issue_id ON public.deliveries USING btree (issue_id);


--
-- Name: ix_deliveries_subscriber_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_deliveries_subscriber_id ON public.deliveries USING btree (subscriber_id);


--
-- Name: ix_issues_article_pk; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_issues_article_pk ON public.issues USING btree (article_pk);


--
-- Name: ix_signup_attempts_client; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_signup_attempts_client ON public.signup_attempts USING btree (client);


--
-- Name: ix_signup_attempts_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_signup_attempts_created_at ON public.signup_attempts USING btree (created_at);


--
-- Name: ix_signup_attempts_email_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_signup_attempts_email_key ON public.signup_attempts USING btree (email_key);


--
-- Name: ix_subscribers_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_subscribers_state ON public.subscribers USING btree (state);


--
-- Name: article_tags article_tags_article_pk_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.article_tags
    ADD CONSTRAINT article_tags_article_pk_fkey FOREIGN KEY (article_pk) REFERENCES public.articles(pk) ON DELETE CASCADE;


--
-- Name: deliveries deliveries_issue_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_issue_id_fkey FOREIGN KEY (issue_id) REFERENCES public.issues(id);


--
-- Name: deliveries deliveries_subscriber_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deliveries
    ADD CONSTRAINT deliveries_subscriber_id_fkey FOREIGN KEY (subscriber_id) REFERENCES public.subscribers(id);


--
-- Name: issues issues_article_pk_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.issues
    ADD CONSTRAINT issues_article_pk_fkey FOREIGN KEY (article_pk) REFERENCES public.articles(pk);


--
-- PostgreSQL database dump complete
--

